package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// activeTarget is one entry of /api/v1/targets as Prometheus 2.x and 3.x
// write it.
func activeTarget(job, instance, scrapeURL string, extra map[string]string) map[string]any {
	labels := map[string]string{"job": job, "instance": instance}
	for k, v := range extra {
		labels[k] = v
	}
	return map[string]any{
		"discoveredLabels": map[string]string{
			"__address__": instance, "__metrics_path__": "/metrics", "__scheme__": "http",
			"__scrape_interval__": "15s", "__scrape_timeout__": "10s", "job": job,
			"__meta_kubernetes_pod_name": "secret-discovered-label",
		},
		"labels":             labels,
		"scrapePool":         job,
		"scrapeUrl":          scrapeURL,
		"globalUrl":          strings.Replace(scrapeURL, "127.0.0.1", "prometheus-host", 1),
		"lastError":          "",
		"lastScrape":         "2026-01-02T15:04:05.123456789Z",
		"lastScrapeDuration": 0.004,
		"health":             "up",
		"scrapeInterval":     "15s",
		"scrapeTimeout":      "10s",
	}
}

func targetsBody(targets ...map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"status": "success",
		"data":   map[string]any{"activeTargets": targets, "droppedTargets": []any{}, "droppedTargetCounts": map[string]int{"api": 0}},
	})
	return b
}

func TestPrometheusTargets(t *testing.T) {
	var gotQuery, gotAuth string
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/prefix/api/v1/targets" {
			http.NotFound(w, r)
			return
		}
		gotQuery, gotAuth = r.URL.RawQuery, r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		w.Write(targetsBody(
			activeTarget("api", "10.0.0.1:8080", "http://10.0.0.1:8080/metrics", map[string]string{"pod": "api-0", "target": "x"}),
			activeTarget("api", "10.0.0.2:8080", "http://10.0.0.2:8080/metrics?format=prometheus", map[string]string{"pod": "api-1"}),
			activeTarget("node", "10.0.0.9:9100", "http://10.0.0.9:9100/metrics", nil),
			activeTarget("api", "169.254.169.254:80", "http://169.254.169.254:80/metrics", nil),
		))
	}))
	defer prom.Close()
	m := New(Config{
		Sources:        []SourceConfig{{Name: "prom", Kind: KindPrometheus, URL: prom.URL + "/prefix/", Jobs: []string{"api"}, BearerToken: "tok"}},
		Allow:          mustAllow(t, []string{"10.0.0.0/8"}, nil, nil),
		ReservedLabels: map[string]bool{"target": true},
	}, nil)
	m.Refresh(context.Background())
	got := m.Targets(context.Background())
	if gotQuery != "state=active" || gotAuth != "Bearer tok" {
		t.Errorf("request query %q auth %q", gotQuery, gotAuth)
	}
	if want := []string{"10.0.0.1:8080", "10.0.0.2:8080"}; !slices.Equal(targetNames(got), want) {
		t.Fatalf("names %v, want %v; status %+v", targetNames(got), want, m.Status())
	}
	first := got[0]
	if first.URL != "http://10.0.0.1:6060/debug/pprof" || first.MetricsURL != "http://10.0.0.1:8080/metrics" {
		t.Errorf("URLs %s %s", first.URL, first.MetricsURL)
	}
	if first.Labels["pod"] != "api-0" || first.Labels["job"] != "api" || first.Labels["exported_target"] != "x" || first.Labels["target"] != "" {
		t.Errorf("labels %v", first.Labels)
	}
	for k := range first.Labels {
		if strings.HasPrefix(k, "__") {
			t.Errorf("discovered label %s carried", k)
		}
	}
	if got[1].MetricsURL != "http://10.0.0.2:8080/metrics?format=prometheus" {
		t.Errorf("scrape URL with its query: %s", got[1].MetricsURL)
	}
	if st := m.Status(); st.NotAllowed != 1 {
		t.Errorf("status %+v", st)
	}
}

func TestPrometheusTemplatesAndBasicAuth(t *testing.T) {
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "grafana" || p != "pw" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"status":"error","errorType":"unauthorized","error":"who are you"}`))
			return
		}
		w.Write(targetsBody(activeTarget("api", "api-0.example.com:8080", "https://api-0.example.com:8080/metrics", nil)))
	}))
	defer prom.Close()
	cfg := Config{
		Sources: []SourceConfig{{Name: "prom", Kind: KindPrometheus, URL: prom.URL, Username: "grafana", Password: "pw",
			URLTemplate: "https://{{host}}:{{port}}/internal/pprof", MetricsURLTemplate: "http://{{host}}:9000/metrics", NameLabel: "job"}},
		Allow: mustAllow(t, nil, []string{"*.example.com"}, nil),
	}
	m := New(cfg, nil)
	m.Refresh(context.Background())
	got := m.Targets(context.Background())
	if len(got) != 1 || got[0].Name != "api" || got[0].URL != "https://api-0.example.com:8080/internal/pprof" || got[0].MetricsURL != "http://api-0.example.com:9000/metrics" {
		t.Fatalf("targets %+v; status %+v", got, m.Status())
	}
	cfg.Sources[0].Password = "wrong"
	m = New(cfg, nil)
	m.Refresh(context.Background())
	if n := m.Status().Notice(); !strings.Contains(n, "401") || !strings.Contains(n, "who are you") {
		t.Errorf("notice %q", n)
	}
}

func TestPrometheusHostile(t *testing.T) {
	big := strings.Repeat(" ", 2<<20)
	for name, c := range map[string]struct {
		status int
		body   string
		want   string
	}{
		"huge response":     {200, `{"status":"success","data":{"activeTargets":[` + big + `]}}`, "larger than 1 MiB"},
		"not JSON":          {200, "<html>login</html>", "not the JSON of /api/v1/targets"},
		"HTML error":        {502, "<html>bad gateway</html>", "HTTP 502"},
		"error status":      {200, `{"status":"error","error":"boom\nline two"}`, "boom"},
		"targets not array": {200, `{"status":"success","data":{"activeTargets":{"a":1}}}`, "not the JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(c.status)
				w.Write([]byte(c.body))
			}))
			defer prom.Close()
			s := newPrometheusSource(SourceConfig{URL: prom.URL}, newHTTPClient(), 1<<20)
			_, err := s.Discover(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestPrometheusRedirectElsewhere(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("followed to another origin with %q", r.Header.Get("Authorization"))
	}))
	defer elsewhere.Close()
	prom := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/api/v1/targets", http.StatusFound))
	defer prom.Close()
	s := newPrometheusSource(SourceConfig{URL: prom.URL, BearerToken: "tok"}, newHTTPClient(), 1<<20)
	if _, err := s.Discover(context.Background()); err == nil || !strings.Contains(err.Error(), "another origin") {
		t.Errorf("error %v", err)
	}
}

func TestPrometheusManyTargets(t *testing.T) {
	var ts []map[string]any
	for i := range 3000 {
		addr := fmt.Sprintf("10.1.%d.%d:8080", i/250, i%250+1)
		ts = append(ts, activeTarget("api", addr, "http://"+addr+"/metrics", nil))
	}
	body := targetsBody(ts...)
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	defer prom.Close()
	m := New(Config{
		Sources: []SourceConfig{{Name: "prom", Kind: KindPrometheus, URL: prom.URL}},
		Allow:   mustAllow(t, []string{"10.0.0.0/8"}, nil, nil),
	}, nil)
	m.Refresh(context.Background())
	if got, st := len(m.Targets(context.Background())), m.Status(); got != DefaultMaxTargets || st.OverLimit != 2000 {
		t.Errorf("%d targets, %d over the limit", got, st.OverLimit)
	}
	t.Log(m.Status().Summary())
}
