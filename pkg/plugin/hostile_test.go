package plugin

// Hostile targets seen through the data source: credentials must not leave
// the configured origin nor come back in any message, and a failing target
// must not be asked for an expensive endpoint more than once per minimum
// interval.

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/targets"
)

const secret = "s3cr3t-Tok3n-value"

// requestLog counts a fake target's requests per path and query, in order.
type requestLog struct {
	mu   sync.Mutex
	uris []string
	// headers holds every request's headers.
	headers []http.Header
}

func (l *requestLog) add(r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.uris = append(l.uris, r.URL.RequestURI())
	l.headers = append(l.headers, r.Header.Clone())
}

func (l *requestLog) count(uri string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, u := range l.uris {
		if u == uri {
			n++
		}
	}
	return n
}

func (l *requestLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.uris...)
}

// fakeTarget serves the given bodies by request URI (404 otherwise) and
// logs every request.
func fakeTarget(t *testing.T, pages map[string]func(w http.ResponseWriter, r *http.Request)) (string, *requestLog) {
	t.Helper()
	log := &requestLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		if page, ok := pages[r.URL.RequestURI()]; ok {
			page(w, r)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, log
}

func body(b []byte) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) { w.Write(b) }
}

// instanceWithSecrets creates an instance with secure settings, as Grafana
// passes them decrypted.
func instanceWithSecrets(t *testing.T, s backend.DataSourceInstanceSettings) *Datasource {
	t.Helper()
	s.UID, s.Name, s.Type = "test", "Go pprof", "goscope-pprof-datasource"
	s.JSONData = []byte(withStoreDir(t, string(s.JSONData)))
	inst, err := NewDatasource(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	d := inst.(*Datasource)
	t.Cleanup(d.Dispose)
	return d
}

func checkHealth(t *testing.T, d *Datasource) *backend.CheckHealthResult {
	t.Helper()
	res, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// responseText is everything a viewer reads of a response besides its
// data: the error and every notice.
func responseText(r backend.DataResponse) string {
	var parts []string
	if r.Error != nil {
		parts = append(parts, r.Error.Error())
	}
	for _, f := range r.Frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				parts = append(parts, n.Text)
			}
		}
	}
	return strings.Join(parts, "\n")
}

func assertNoCredential(t *testing.T, what, text string, credentials ...string) {
	t.Helper()
	for _, c := range credentials {
		if strings.Contains(text, c) {
			t.Errorf("%s relays a credential (%q): %s", what, c, text)
		}
	}
}

func TestRedirectsWithCredentialsAreNotFollowed(t *testing.T) {
	var other requestLog
	witness := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.add(r)
		w.Write(readMaybeGzip(t, "../indexpage/testdata/go1.19.html"))
	}))
	defer witness.Close()
	cases := []struct {
		name     string
		status   int
		location string
		settings backend.DataSourceInstanceSettings
		leaked   []string
	}{
		{"302 to another host with the custom auth header", http.StatusFound,
			strings.Replace(witness.URL, "127.0.0.1", "localhost", 1) + "/steal",
			backend.DataSourceInstanceSettings{
				JSONData:                []byte(`{"authHeaderName":"X-Token","targets":[{"name":"t","url":"URL"}]}`),
				DecryptedSecureJSONData: map[string]string{"authHeaderValue": secret},
			}, []string{secret}},
		{"307 to another port with Authorization", http.StatusTemporaryRedirect, witness.URL + "/debug/pprof/",
			backend.DataSourceInstanceSettings{
				JSONData:                []byte(`{"targets":[{"name":"t","url":"URL"}]}`),
				DecryptedSecureJSONData: map[string]string{"targetAuthHeaderValue.t": "Bearer " + secret},
			}, []string{secret}},
		{"307 to another port with Grafana's basic auth", http.StatusTemporaryRedirect, witness.URL + "/debug/pprof/",
			backend.DataSourceInstanceSettings{
				JSONData:                []byte(`{"targets":[{"name":"t","url":"URL"}]}`),
				BasicAuthEnabled:        true,
				BasicAuthUser:           "grafana",
				DecryptedSecureJSONData: map[string]string{"basicAuthPassword": secret},
			}, []string{secret, base64.StdEncoding.EncodeToString([]byte("grafana:" + secret))}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(other.all())
			target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, c.location, c.status)
			}))
			defer target.Close()
			c.settings.JSONData = []byte(strings.Replace(string(c.settings.JSONData), "URL", target.URL+"/debug/pprof", 1))
			d := instanceWithSecrets(t, c.settings)

			res := checkHealth(t, d)
			if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "it points to "+c.location) {
				t.Errorf("health: %v %s", res.Status, res.Message)
			}
			r := runQuery(t, d, `{"queryType":"goroutines","view":"count","target":"t"}`)
			if r.Error == nil || !strings.Contains(r.Error.Error(), fmt.Sprintf("HTTP %d", c.status)) || !strings.Contains(r.Error.Error(), "another origin") {
				t.Errorf("query error = %v", r.Error)
			}
			if n := len(other.all()) - before; n != 0 {
				t.Errorf("the other origin got %d requests", n)
			}
			assertNoCredential(t, "health", res.Message, c.leaked...)
			assertNoCredential(t, "query", responseText(r), c.leaked...)
		})
	}
}

func TestEchoedCredentialsAreRedacted(t *testing.T) {
	index := readMaybeGzip(t, "../indexpage/testdata/go1.19.html")
	basic := base64.StdEncoding.EncodeToString([]byte("grafana:" + secret))
	// echo answers with status, a first line quoting the credential as
	// echoing servers do, then every request header.
	echo := func(status int, first func(r *http.Request) string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprintln(w, first(r))
			r.Header.Write(w)
		}
	}
	cases := map[string]map[string]func(http.ResponseWriter, *http.Request){
		"error body of the index page": {
			"/debug/pprof/": echo(http.StatusUnauthorized, func(r *http.Request) string { return "bad token " + r.Header.Get("X-Token") }),
		},
		"error body of the full dump": {
			"/debug/pprof/":                  body(index),
			"/debug/pprof/goroutine?debug=2": echo(http.StatusForbidden, func(r *http.Request) string { return "X-Token: " + r.Header.Get("X-Token") }),
		},
		"index page title": {
			"/debug/pprof/": func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, "<html><title>Hello %s</title></html>", r.Header.Get("X-Token"))
			},
		},
		"full dump that is not a dump": {
			"/debug/pprof/":                  body(index),
			"/debug/pprof/goroutine?debug=2": echo(http.StatusOK, func(r *http.Request) string { return r.Header.Get("X-Token") + " " + r.Header.Get("Authorization") }),
		},
		"basic credentials": {
			"/debug/pprof/": echo(http.StatusUnauthorized, func(r *http.Request) string {
				return "rejected " + strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
			}),
		},
	}
	for name, pages := range cases {
		t.Run(name, func(t *testing.T) {
			url, _ := fakeTarget(t, pages)
			// A second target that answers, so a failure becomes a notice.
			good := scenarioTarget(t, nil)
			d := instanceWithSecrets(t, backend.DataSourceInstanceSettings{
				JSONData: []byte(fmt.Sprintf(`{"targets":[{"name":"session-echo","url":%q,"authHeaderName":"X-Token"},{"name":"good","url":%q}]}`,
					url+"/debug/pprof", good)),
				BasicAuthEnabled: true,
				BasicAuthUser:    "grafana",
				DecryptedSecureJSONData: map[string]string{
					"targetAuthHeaderValue.session-echo": secret, "basicAuthPassword": secret,
				},
			})
			res := checkHealth(t, d)
			one := runQuery(t, d, `{"queryType":"goroutines","view":"count","target":"session-echo"}`)
			both := runQuery(t, d, `{"queryType":"goroutines","view":"count","target":"*"}`)
			if one.Error == nil || both.Error != nil {
				t.Fatalf("want the echo target to fail alone: %v / %v", one.Error, both.Error)
			}
			for what, text := range map[string]string{"health": res.Message, "query": responseText(one), "notice": responseText(both)} {
				assertNoCredential(t, what, text, secret, basic)
				// The name looks like a header, yet the message's framing stays.
				if !strings.Contains(text, "session-echo") || strings.Contains(text, "session-echo: "+targets.Redacted) {
					t.Errorf("%s does not name the failing target: %s", what, text)
				}
			}
		})
	}
}

func TestFailingFullDumpIsFetchedOncePerInterval(t *testing.T) {
	index := readMaybeGzip(t, "../indexpage/testdata/go1.19.html")
	cases := map[string]func(http.ResponseWriter, *http.Request){
		"too large": body(make([]byte, 2<<20)),
		"erroring": func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "out of memory", http.StatusInternalServerError)
		},
	}
	for name, fullDump := range cases {
		t.Run(name, func(t *testing.T) {
			url, log := fakeTarget(t, map[string]func(http.ResponseWriter, *http.Request){
				"/debug/pprof/":                  body(index),
				"/debug/pprof/goroutine?debug=2": fullDump,
			})
			d := newInstance(t, fmt.Sprintf(`{"maxResponseMiB":1,"minIntervalSeconds":60,"targets":[{"name":"t","url":%q}]}`, url+"/debug/pprof"))
			var last string
			for range 10 {
				r := runQuery(t, d, `{"queryType":"goroutines","view":"groups","target":"t"}`)
				if r.Error == nil {
					t.Fatal("the query must fail")
				}
				last = r.Error.Error()
			}
			if n := log.count("/debug/pprof/goroutine?debug=2"); n != 1 {
				t.Errorf("10 queries within the minimum interval fetched the full dump %d times; want 1", n)
			}
			if !strings.Contains(last, "next attempt after the 60 s minimum interval") {
				t.Errorf("a remembered failure must say so: %s", last)
			}
		})
	}
}

func TestIndexWithoutGoroutineCountReadsSummaryFirst(t *testing.T) {
	page := string(readMaybeGzip(t, "../indexpage/testdata/go1.19.html"))
	noCount := strings.Replace(page, "<tr><td>2345</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>", "", 1)
	if noCount == page {
		t.Fatal("the goroutine row was not removed")
	}
	debug1 := readMaybeGzip(t, scenario+"goroutine.debug1.txt")
	debug2 := readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")
	cases := []struct {
		name      string
		limit     int
		debug1    []byte
		wantOrder string
		wantErr   string
	}{
		{"count under the limit", 50000, debug1, "/debug/pprof/ /debug/pprof/goroutine?debug=1 /debug/pprof/goroutine?debug=2", ""},
		{"count above the limit", 1000, debug1, "/debug/pprof/ /debug/pprof/goroutine?debug=1", ""},
		{"no count anywhere", 50000, []byte("heap profile: 1: 2 [3: 4] @ heap/1048576\n"), "/debug/pprof/ /debug/pprof/goroutine?debug=1", "no full dump is fetched"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, log := fakeTarget(t, map[string]func(http.ResponseWriter, *http.Request){
				"/debug/pprof/":                  body([]byte(noCount)),
				"/debug/pprof/goroutine?debug=1": body(c.debug1),
				"/debug/pprof/goroutine?debug=2": body(debug2),
			})
			d := newInstance(t, fmt.Sprintf(`{"recordDisabled":true,"maxFullDumpGoroutines":%d,"targets":[{"name":"t","url":%q}]}`, c.limit, url+"/debug/pprof"))
			r := runQuery(t, d, `{"queryType":"goroutines","view":"count","target":"t"}`)
			if got := strings.Join(log.all(), " "); got != c.wantOrder {
				t.Errorf("requests: %s; want %s", got, c.wantOrder)
			}
			if c.wantErr != "" {
				if r.Error == nil || !strings.Contains(r.Error.Error(), c.wantErr) {
					t.Errorf("error = %v", r.Error)
				}
				return
			}
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			if got := numbers(t, r.Frames)["goroutines{category=all, target=t}"]; got != 2345 {
				t.Errorf("total = %v", got)
			}
		})
	}
}

func TestHealthAndRecorderReadOnlyCheapPages(t *testing.T) {
	index := readMaybeGzip(t, "../indexpage/testdata/go1.19.html")
	url, log := fakeTarget(t, map[string]func(http.ResponseWriter, *http.Request){
		"/debug/pprof/": body(index),
		"/metrics":      body([]byte("go_goroutines 2345\nprocess_resident_memory_bytes 1e+08\n")),
	})
	d := newInstance(t, fmt.Sprintf(`{"recordIntervalSeconds":5,"targets":[{"name":"t","url":%q,"metricsUrl":%q}]}`, url+"/debug/pprof", url+"/metrics"))
	if res := checkHealth(t, d); res.Status != backend.HealthStatusOk {
		t.Fatalf("health: %s", res.Message)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(d.recorder.Range("t", time.Time{}, time.Now().Add(time.Hour))) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the recorder took no sample")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, uri := range log.all() {
		if uri != "/debug/pprof/" && uri != "/metrics" {
			t.Errorf("the health check or the recorder fetched %s", uri)
		}
	}
}
