package plugin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// bareTarget serves what a Go 1.27 process with net/http/pprof and no
// Prometheus client serves: its real index page and heap?debug=1 text. It
// counts the heap requests.
func bareTarget(t *testing.T) (jsonData string, heapFetches *atomic.Int64) {
	t.Helper()
	index, err := os.ReadFile("../indexpage/testdata/go1.27.html")
	if err != nil {
		t.Fatal(err)
	}
	heap, err := os.ReadFile("../dumpformat/testdata/go1.27/heap_debug_1.txt")
	if err != nil {
		t.Fatal(err)
	}
	heapFetches = new(atomic.Int64)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", func(w http.ResponseWriter, r *http.Request) { w.Write(index) })
	mux.HandleFunc("/debug/pprof/heap", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("debug") != "1" {
			http.Error(w, "want debug=1", http.StatusBadRequest)
			return
		}
		heapFetches.Add(1)
		w.Write(heap)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return fmt.Sprintf(`{"targets":[{"name":"bare","url":%q}]}`, srv.URL+"/debug/pprof"), heapFetches
}

func noticeTexts(fs data.Frames) []string {
	var out []string
	for _, f := range fs {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				out = append(out, n.Text)
			}
		}
	}
	return out
}

// namesMetricsURL reports whether a notice tells a person which setting
// gives the figure, in the words of both the JSON and the config editor.
func namesMetricsURL(notices []string, figure string) bool {
	for _, n := range notices {
		if strings.Contains(n, figure) && strings.Contains(n, `"metricsUrl"`) && strings.Contains(n, `"Metrics URL"`) {
			return true
		}
	}
	return false
}

func TestMetricsWithoutMetricsURL(t *testing.T) {
	jsonData, heapFetches := bareTarget(t)
	d := newInstance(t, jsonData)

	r := runQuery(t, d, `{"queryType":"metrics","target":"bare"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	got := numbers(t, r.Frames)
	want := map[string]float64{"up{target=bare}": 1, "goroutines{target=bare}": 18, "threads{target=bare}": 7,
		"os_threads{target=bare}": 7, "heap_inuse_bytes{target=bare}": 2064384}
	if len(got) != len(want) {
		t.Errorf("got %v; want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v; want %v", k, got[k], v)
		}
	}
	if n := noticeTexts(r.Frames); len(n) != 1 || !namesMetricsURL(n, "rss_bytes") {
		t.Errorf("notices = %q; want one naming the metricsUrl setting for rss_bytes", n)
	}
	descriptions := map[string]string{}
	for _, f := range r.Frames {
		descriptions[f.Fields[0].Name] = f.Fields[0].Config.Description
	}
	if !strings.Contains(descriptions["os_threads"], "threadcreate count of the pprof index page") ||
		!strings.Contains(descriptions["heap_inuse_bytes"], "HeapInuse of runtime.MemStats in /heap?debug=1") {
		t.Errorf("the frames do not say where the figures come from: %q", descriptions)
	}

	// What the provisioned RSS rule asks: no number, no error, a notice.
	r = runQuery(t, d, `{"queryType":"metrics","target":"bare","metric":"rss_bytes"}`)
	if r.Error != nil {
		t.Fatalf("error = %v; a missing setting is no reason to fail an alert rule", r.Error)
	}
	if len(r.Frames) != 1 || len(r.Frames[0].Fields) != 0 || r.Frames[0].Meta.Type != data.FrameTypeNumericMulti {
		t.Errorf("want the data plane's empty numeric frame, got %d frames", len(r.Frames))
	}
	if n := noticeTexts(r.Frames); !namesMetricsURL(n, "rss_bytes") {
		t.Errorf("notices = %q", n)
	}

	// heap?debug=1 is an expensive endpoint: within the minimum interval
	// the response is reused, and queries that do not ask for heap in use
	// never fetch it.
	before := heapFetches.Load()
	if before != 1 {
		t.Errorf("%d heap fetches by the first query", before)
	}
	r = runQuery(t, d, `{"queryType":"metrics","target":"bare","metric":"heap_inuse_bytes"}`)
	if got := numbers(t, r.Frames); got["heap_inuse_bytes{target=bare}"] != 2064384 {
		t.Errorf("heap_inuse_bytes = %v", got)
	}
	runQuery(t, d, `{"queryType":"metrics","target":"bare","metric":"goroutines"}`)
	runQuery(t, d, `{"queryType":"metrics","target":"bare","metric":"os_threads"}`)
	if n := heapFetches.Load(); n != before {
		t.Errorf("%d more heap fetches; want none within the minimum interval and none for other figures", n-before)
	}
}

func TestRecorderWithoutMetricsURLReadsNoHeap(t *testing.T) {
	jsonData, heapFetches := bareTarget(t)
	d := newInstance(t, jsonData)
	deadline := time.Now().Add(10 * time.Second)
	for sampled := false; !sampled; {
		if time.Now().After(deadline) {
			t.Fatal("the recorder took no sample")
		}
		time.Sleep(10 * time.Millisecond)
		_, sampled, _ = d.evidence.samples.First("bare")
	}
	if n := heapFetches.Load(); n != 0 {
		t.Errorf("the recorder fetched heap?debug=1 %d times", n)
	}
	tr := backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)}
	r := runQueryRange(t, d, `{"queryType":"metrics","view":"series","target":"bare","metric":"os_threads"}`, tr)
	if r.Error != nil || len(r.Frames) != 1 || len(r.Frames[0].Fields) != 2 || r.Frames[0].Fields[1].At(0).(float64) != 7 {
		t.Fatalf("os_threads series: %v %v", r.Error, r.Frames)
	}
	for metric, why := range map[string]string{"heap_inuse_bytes": "is not recorded", "rss_bytes": "there is no rss_bytes"} {
		r = runQueryRange(t, d, fmt.Sprintf(`{"queryType":"metrics","view":"series","target":"bare","metric":%q}`, metric), tr)
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		if n := noticeTexts(r.Frames); !namesMetricsURL(n, metric) || !strings.Contains(strings.Join(n, " "), why) {
			t.Errorf("%s series notices = %q", metric, n)
		}
	}
}

func TestMetricsPageWithoutAFigureSaysSo(t *testing.T) {
	index, err := os.ReadFile("../indexpage/testdata/go1.27.html")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", func(w http.ResponseWriter, r *http.Request) { w.Write(index) })
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes 8462336\n"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	d := newInstance(t, fmt.Sprintf(`{"targets":[{"name":"svc","url":%q,"metricsUrl":%q}]}`, srv.URL+"/debug/pprof", srv.URL+"/metrics"))
	r := runQuery(t, d, `{"queryType":"metrics","target":"svc","metric":"os_threads"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if n := noticeTexts(r.Frames); len(n) != 1 || n[0] != `the metrics URL of target "svc" does not export go_threads, so there is no os_threads` {
		t.Errorf("notices = %q", n)
	}
	if got := numbers(t, runQuery(t, d, `{"queryType":"metrics","target":"svc","metric":"rss_bytes"}`).Frames); got["rss_bytes{target=svc}"] != 8462336 {
		t.Errorf("rss_bytes = %v", got)
	}
}
