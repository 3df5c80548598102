package processmetrics

import (
	"os"
	"strings"
	"testing"
)

func TestParseRealPage(t *testing.T) {
	page, err := os.ReadFile("testdata/client_golang_v1.24.1.txt")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"rss_bytes": 8462336, "heap_inuse_bytes": 1261568, "heap_idle_bytes": 2605056, "stack_inuse_bytes": 327680, "os_threads": 6}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v; want %v", k, got[k], v)
		}
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]string{
		"<html><body>Not Found</body></html>":    "not a Prometheus metrics page",
		"http_requests_total{code=\"200\"} 12\n": "exports none of the Go process metrics",
	}
	for page, want := range cases {
		_, err := Parse([]byte(page))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v; want %q", page, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	page, err := os.ReadFile("testdata/client_golang_v1.24.1.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(page)
	f.Fuzz(func(t *testing.T, page []byte) {
		_, _ = Parse(page)
	})
}
