package targets

// Hostile targets: redirects that would carry credentials elsewhere, error
// bodies that echo them, and targets whose expensive endpoints fail.

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/settings"
)

const secret = "s3cr3t-Tok3n-value"

// witness is a server that records every request it gets and the headers
// that came with it.
type witness struct {
	*httptest.Server
	mu      sync.Mutex
	headers []http.Header
}

func newWitness(t *testing.T) *witness {
	w := &witness{}
	w.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.headers = append(w.headers, r.Header.Clone())
		w.mu.Unlock()
		rw.Write(realIndexBytes)
	}))
	t.Cleanup(w.Close)
	return w
}

func (w *witness) requests() []http.Header {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]http.Header(nil), w.headers...)
}

// redirecting is a target whose every path redirects to location.
func redirecting(t *testing.T, status int, location string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, status)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func assertNoSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), url.QueryEscape(secret)} {
		if strings.Contains(text, form) {
			t.Errorf("%s relays the secret (%q): %q", what, form, text)
		}
	}
}

func TestRedirectsToAnotherOriginAreRefused(t *testing.T) {
	cases := []struct {
		name   string
		status int
		header settings.Header
		// elsewhere turns the witness's URL into the redirect location.
		elsewhere func(witnessURL string) string
	}{
		{"302 to another host with a custom header", http.StatusFound, settings.Header{Name: "X-Token", Value: secret},
			func(u string) string { return strings.Replace(u, "127.0.0.1", "localhost", 1) + "/steal" }},
		{"307 to another port with Authorization", http.StatusTemporaryRedirect, settings.Header{Name: "Authorization", Value: "Bearer " + secret},
			func(u string) string { return u + "/debug/pprof/" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			other := newWitness(t)
			location := c.elsewhere(other.URL)
			tg := settings.Target{Name: "t1", URL: redirecting(t, c.status, location) + "/debug/pprof", Header: c.header}

			// Go's own client follows this redirect with the header, which
			// is what the client's policy prevents.
			req, _ := http.NewRequest(http.MethodGet, tg.URL+"/", nil)
			req.Header.Set(c.header.Name, c.header.Value)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
			if got := other.requests(); len(got) != 1 || got[0].Get(c.header.Name) != c.header.Value {
				t.Fatalf("the case does not reproduce the leak with a default client: %v", got)
			}

			_, _, err := newClient(Options{Secrets: []string{c.header.Value}}).Index(context.Background(), tg)
			fe := fetchErr(t, err)
			if n := len(other.requests()); n != 1 {
				t.Errorf("the other origin got %d requests from the plugin's client; want none", n-1)
			}
			if fe.Kind != KindRedirect || !strings.Contains(fe.Error(), fmt.Sprintf("HTTP %d", c.status)) || !strings.Contains(fe.Error(), "another origin") || !strings.Contains(fe.Error(), "it points to "+location) {
				t.Errorf("error = %v (%s)", fe, fe.Kind)
			}
			if !strings.Contains(fe.AdminError(), "it points to "+location) {
				t.Errorf("the admin error must name the location %s: %q", location, fe.AdminError())
			}
			assertNoSecret(t, "error", fe.AdminError())
		})
	}
}

func TestRedirectFromMetricsURLToAnotherOriginIsRefused(t *testing.T) {
	other := newWitness(t)
	metrics := redirecting(t, http.StatusFound, other.URL+"/metrics")
	tg := settings.Target{Name: "t1", URL: "http://127.0.0.1:1/debug/pprof", MetricsURL: metrics + "/metrics",
		Header: settings.Header{Name: "X-Token", Value: secret}}
	_, err := newClient(Options{}).GetMetrics(context.Background(), tg)
	if fe := fetchErr(t, err); fe.Kind != KindRedirect || !strings.Contains(fe.AdminError(), other.URL+"/metrics") {
		t.Errorf("error = %v", fe.AdminError())
	}
	if n := len(other.requests()); n != 0 {
		t.Errorf("the other origin got %d requests", n)
	}
}

func TestSameOriginRedirectIsFollowed(t *testing.T) {
	var gotAuth atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/pprof/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/debug/pprof/", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/debug/pprof/", func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("X-Token"))
		w.Write(realIndexBytes)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tg := settings.Target{Name: "t1", URL: srv.URL + "/pprof", Header: settings.Header{Name: "X-Token", Value: secret}}
	c := newClient(Options{})
	ix, _, err := c.Index(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Goroutines(); n != 2345 || gotAuth.Load() != secret {
		t.Errorf("goroutines %d, header at the final page %q", n, gotAuth.Load())
	}
	_, err = c.Get(context.Background(), settings.Target{Name: "t1", URL: srv.URL}, Endpoint{Path: "loop"})
	if fe := fetchErr(t, err); fe.Kind != KindRedirect || !strings.Contains(fe.Error(), "more than 5 redirects") {
		t.Errorf("redirect loop: %v", fe)
	}
}

func TestOrigin(t *testing.T) {
	same := [][2]string{
		{"http://a.example/x", "http://a.example:80/y"},
		{"HTTPS://A.example/", "https://a.example:443/debug"},
		{"http://[::1]:6060/", "http://[::1]:6060/debug/pprof/"},
	}
	differ := [][2]string{
		{"http://a.example/", "https://a.example/"},
		{"http://a.example/", "http://a.example:8080/"},
		{"http://a.example/", "http://b.example/"},
		{"http://a.example/", "http://sub.a.example/"},
		{"https://a.example:443/", "http://a.example:443/"},
	}
	for _, c := range same {
		a, _ := url.Parse(c[0])
		b, _ := url.Parse(c[1])
		if origin(a) != origin(b) {
			t.Errorf("%s and %s must be one origin", c[0], c[1])
		}
	}
	for _, c := range differ {
		a, _ := url.Parse(c[0])
		b, _ := url.Parse(c[1])
		if origin(a) == origin(b) {
			t.Errorf("%s and %s must be different origins", c[0], c[1])
		}
	}
}

// echoTarget answers every request with status and a body that begins with
// firstLine and then lists the request's headers, like a debugging proxy.
func echoTarget(t *testing.T, status int, firstLine string) settings.Target {
	tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		fmt.Fprintln(w, firstLine)
		r.Header.Write(w)
	})
	tg.Header = settings.Header{Name: "X-Token", Value: secret}
	return tg
}

func TestErrorBodiesDoNotRelaySecrets(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString([]byte(secret))
	cases := map[string]string{
		"raw value":         "denied for " + secret,
		"header line":       "X-Token: " + secret,
		"base64":            "bad token " + b64,
		"url-encoded":       "GET /debug/pprof/?token=" + url.QueryEscape(secret),
		"json echo":         `{"headers":{"X-Token":"` + secret + `"}}`,
		"unknown header":    "X-Session-Id: abcdef123456",
		"bearer credential": "got Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x",
	}
	for name, line := range cases {
		t.Run(name, func(t *testing.T) {
			tg := echoTarget(t, http.StatusUnauthorized, line)
			c := newClient(Options{Secrets: []string{secret}, SecretHeaders: []string{"X-Token"}})
			_, err := c.Get(context.Background(), tg, Profile("goroutine", 2))
			fe := fetchErr(t, err)
			if fe.Kind != KindHTTPStatus || !strings.Contains(fe.Error(), "HTTP 401 Unauthorized: ") {
				t.Fatalf("error = %v", fe)
			}
			for _, text := range []string{fe.Error(), fe.AdminError()} {
				assertNoSecret(t, name, text)
				for _, leak := range []string{"abcdef123456", "eyJhbGciOiJIUzI1NiJ9"} {
					if strings.Contains(text, leak) {
						t.Errorf("%q relays a credential", text)
					}
				}
				if !strings.Contains(text, Redacted) {
					t.Errorf("%q does not say what was withheld", text)
				}
			}
		})
	}
}

func TestErrorBodyHintKeepsOrdinaryText(t *testing.T) {
	for _, line := range []string{"profiling is disabled here", "Error: unauthorized, token expired", "Basic authentication required"} {
		tg := echoTarget(t, http.StatusForbidden, line)
		_, err := newClient(Options{Secrets: []string{secret}}).Get(context.Background(), tg, Profile("heap", 0))
		if fe := fetchErr(t, err); !strings.HasSuffix(fe.Error(), "Forbidden: "+line) {
			t.Errorf("error = %q; want the line %q", fe.Error(), line)
		}
	}
}

func TestLongErrorBodyIsCapped(t *testing.T) {
	long := strings.Repeat("x", 10000)
	tg := echoTarget(t, http.StatusInternalServerError, long)
	_, err := newClient(Options{}).Get(context.Background(), tg, Profile("goroutine", 2))
	msg := fetchErr(t, err).Error()
	hint := msg[strings.Index(msg, "Error: ")+len("Error: "):]
	if hint != strings.Repeat("x", MaxRelayedRunes)+"…" {
		t.Errorf("hint is %d bytes: %q…", len(hint), hint[:min(len(hint), 50)])
	}
}

func TestIndexPageTitleDoesNotRelaySecrets(t *testing.T) {
	for _, page := range []string{
		"<html><head><title>Hello " + secret + "</title></head></html>",
		"Authorization: Bearer " + secret,
		strings.Repeat("-", 44) + secret,
	} {
		tg := serve(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(page)) })
		_, _, err := newClient(Options{Secrets: []string{"Bearer " + secret}}).Index(context.Background(), tg)
		fe := fetchErr(t, err)
		if fe.Kind != KindNotIndex {
			t.Errorf("kind = %s", fe.Kind)
		}
		assertNoSecret(t, "index error", fe.AdminError())
	}
}

func TestRedirectLocationIsRedacted(t *testing.T) {
	other := newWitness(t)
	tg := settings.Target{Name: "t1", URL: redirecting(t, http.StatusFound, other.URL+"/"+secret+"?token="+secret) + "/debug/pprof"}
	_, _, err := newClient(Options{Secrets: []string{secret}}).Index(context.Background(), tg)
	fe := fetchErr(t, err)
	assertNoSecret(t, "redirect error", fe.AdminError())
	if !strings.Contains(fe.AdminError(), other.URL+"/"+Redacted) {
		t.Errorf("admin error = %q", fe.AdminError())
	}
}

// countingTarget serves the index page and answers every other path with
// status and body, counting requests per path and query.
func countingTarget(t *testing.T, status int, body []byte) (settings.Target, func(string) int) {
	var mu sync.Mutex
	hits := map[string]int{}
	tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.RequestURI()]++
		mu.Unlock()
		if r.URL.Path == "/debug/pprof/" {
			w.Write(realIndexBytes)
			return
		}
		w.WriteHeader(status)
		w.Write(body)
	})
	return tg, func(uri string) int {
		mu.Lock()
		defer mu.Unlock()
		return hits[uri]
	}
}

func TestFailuresAreRememberedForTheMinimumInterval(t *testing.T) {
	cases := map[string]struct {
		status int
		body   []byte
		kind   Kind
	}{
		"too large": {http.StatusOK, make([]byte, 2<<20), KindTooLarge},
		"erroring":  {http.StatusInternalServerError, []byte("out of memory"), KindHTTPStatus},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			tg, hits := countingTarget(t, c.status, c.body)
			clock := time.Unix(1000, 0)
			client := newClient(Options{MaxResponseBytes: 1 << 20, MinInterval: 5 * time.Second})
			client.now = func() time.Time { return clock }
			const full = "/debug/pprof/goroutine?debug=2"
			for i := range 10 {
				_, err := client.Get(context.Background(), tg, Profile("goroutine", 2))
				fe := fetchErr(t, err)
				if fe.Kind != c.kind {
					t.Fatalf("query %d: %v", i, fe)
				}
				if i == 6 && !strings.HasSuffix(fe.Error(), "(last tried 3 s ago; next attempt after the 5 s minimum interval)") {
					t.Errorf("a remembered failure must say so: %q", fe.Error())
				}
				clock = clock.Add(time.Second / 2)
			}
			if n := hits(full); n != 1 {
				t.Errorf("10 queries within the minimum interval fetched the full dump %d times; want 1", n)
			}
			clock = clock.Add(5 * time.Second)
			_, err := client.Get(context.Background(), tg, Profile("goroutine", 2))
			if fe := fetchErr(t, err); fe.Remembered != nil || hits(full) != 2 {
				t.Errorf("after the interval the target must be asked again: %d fetches, %v", hits(full), fe)
			}
			// The cheap index page is never remembered.
			for range 3 {
				if _, _, err := client.Index(context.Background(), tg); err != nil {
					t.Fatal(err)
				}
			}
			if n := hits("/debug/pprof/"); n != 3 {
				t.Errorf("index fetched %d times; want 3", n)
			}
		})
	}
}

func TestHangingTargetIsAskedOncePerInterval(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := newClient(Options{Timeout: 50 * time.Millisecond, MinInterval: time.Minute})
	for range 3 {
		_, err := c.Get(context.Background(), tg, Profile("goroutine", 2))
		if fe := fetchErr(t, err); fe.Kind != KindTimeout {
			t.Fatalf("kind = %s", fe.Kind)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("a hanging target was asked %d times within the interval; want 1", n)
	}
}

func TestRememberedFailuresStayWithinBudget(t *testing.T) {
	rc := newRecentCache(3*failureCost, 0)
	base := time.Unix(0, 0)
	for i := range 10 {
		at := base.Add(time.Duration(i) * time.Second)
		rc.put(fmt.Sprint(i), outcome{err: &FetchError{Kind: KindRefused}, at: at})
	}
	if rc.used != 3*failureCost || len(rc.entries) != 3 {
		t.Errorf("%d entries use %d bytes; want 3 within the budget", len(rc.entries), rc.used)
	}
	if _, ok := rc.get("9", base); !ok {
		t.Error("the newest failure must be kept")
	}
}
