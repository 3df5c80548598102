package settings

import (
	"strings"
	"testing"
	"time"
)

func TestLoadDiscovery(t *testing.T) {
	s, err := load(t, `{
	  "targets": [{"name":"api-1","url":"http://10.0.0.1:6060/debug/pprof"}],
	  "discovery": {
	    "refreshSeconds": 60,
	    "allow": {"networks": ["10.0.0.0/8"], "hosts": ["*.svc.cluster.local"], "ports": [6060, "8000-8100"]},
	    "discoverers": [
	      {"name": "api", "kind": "dns", "host": "api.default.svc.cluster.local", "port": 6060},
	      {"name": "prom", "kind": "prometheus", "url": "http://prometheus:9090", "jobs": ["api"], "basicAuthUser": "grafana"},
	      {"name": "files", "kind": "file", "path": "/etc/pprof/*.json"}
	    ]
	  }
	}`, map[string]string{DiscoveryPasswordKey("prom"): "pw"})
	if err != nil {
		t.Fatal(err)
	}
	d := s.Discovery
	if d == nil || len(d.Sources) != 3 || d.Refresh != time.Minute || d.MaxTargets != 1000 || len(d.Allow.Ports) != 2 {
		t.Fatalf("discovery %+v", d)
	}
	if d.Sources[1].Password != "pw" || d.Sources[1].Username != "grafana" {
		t.Errorf("credentials %+v", d.Sources[1])
	}
	if !d.StaticNames["api-1"] || !d.StaticURLs["http://10.0.0.1:6060/debug/pprof"] || !d.ReservedLabels["target"] {
		t.Errorf("static targets and reserved labels not passed: %+v", d)
	}
}

func TestLoadDiscoveryErrors(t *testing.T) {
	_, err := load(t, `{"discovery": {"refreshSeconds": 1, "maxTargets": 100000,
	  "allow": {"networks": ["10.0.0.0/40"], "ports": ["0"]},
	  "discoverers": [{"name": "p", "kind": "prometheus", "url": "prometheus:9090"}]}}`, nil)
	if err == nil {
		t.Fatal("bad discovery settings accepted")
	}
	for _, want := range []string{"refresh interval", "maximum targets", `allowed network "10.0.0.0/40"`, `allowed port "0"`, `source "p": the Prometheus server's URL`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	_, err = load(t, `{"discovery": {"discoverers": [{"name": "f", "kind": "file", "path": "/etc/pprof/targets.json"}]}}`, nil)
	if err == nil || !strings.Contains(err.Error(), "needs an allow-list") {
		t.Errorf("discovery without an allow-list: %v", err)
	}
	s, err := load(t, `{"discovery": {"allow": {"networks": ["10.0.0.0/8"]}}}`, nil)
	if err != nil || s.Discovery != nil {
		t.Errorf("an allow-list alone turns nothing on: %v %+v", err, s)
	}
}
