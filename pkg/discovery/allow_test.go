package discovery

import (
	"net/url"
	"strings"
	"testing"
)

func mustAllow(t *testing.T, networks, hosts, ports []string) AllowList {
	t.Helper()
	a, errs := ParseAllowList(networks, hosts, ports)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return a
}

func TestAllowList(t *testing.T) {
	a := mustAllow(t, []string{"10.0.0.0/8", "fd00::/8", "192.0.2.7"}, []string{"*.svc.cluster.local", "pprof.example.com"}, []string{"6060", "8000-8010"})
	for _, c := range []struct {
		host string
		port int
		ok   bool
	}{
		{"10.1.2.3", 6060, true},
		{"10.1.2.3", 8005, true},
		{"10.1.2.3", 8011, false},
		{"10.1.2.3", 0, false},
		{"10.1.2.3", 70000, false},
		{"11.1.2.3", 6060, false},
		{"192.0.2.7", 6060, true},
		{"192.0.2.8", 6060, false},
		{"::ffff:10.0.0.1", 6060, true}, // IPv4-mapped
		{"fd00::1", 6060, true},
		{"fe80::1", 6060, false},
		{"fd00::1%eth0", 6060, false}, // zoned
		{"api-0.api.default.svc.cluster.local", 6060, true},
		{"API-0.Api.default.svc.cluster.local.", 6060, true},
		{"svc.cluster.local", 6060, false}, // the suffix itself
		{"evilsvc.cluster.local", 6060, false},
		{"pprof.example.com", 6060, true},
		{"x.pprof.example.com", 6060, false},
		{"http://10.0.0.1", 6060, false},
		{"10.0.0.1/debug", 6060, false},
		{"user@pprof.example.com", 6060, false},
		{"", 6060, false},
	} {
		err := a.Allows(c.host, c.port)
		if (err == nil) != c.ok {
			t.Errorf("Allows(%q, %d) = %v; want allowed %v", c.host, c.port, err, c.ok)
		}
	}
}

func TestAllowListURL(t *testing.T) {
	a := mustAllow(t, []string{"127.0.0.0/8"}, nil, []string{"80"})
	for raw, ok := range map[string]bool{
		"http://127.0.0.1/debug/pprof":       true,
		"http://127.0.0.1:80/debug/pprof":    true,
		"https://127.0.0.1/debug/pprof":      false, // 443
		"http://127.0.0.1:8080/debug/pprof":  false,
		"http://[::1]/debug/pprof":           false,
		"http://127.0.0.1:99999/debug/pprof": false,
	} {
		u, _ := url.Parse(raw)
		if err := a.AllowsURL(u); (err == nil) != ok {
			t.Errorf("AllowsURL(%s) = %v; want allowed %v", raw, err, ok)
		}
	}
	if err := mustAllow(t, []string{"10.0.0.0/8"}, nil, nil).Allows("10.0.0.1", 1); err != nil {
		t.Errorf("without ports every port is allowed: %v", err)
	}
}

func TestParseAllowListErrors(t *testing.T) {
	_, errs := ParseAllowList(
		[]string{"10.0.0.0/33", "not-a-net", "fe80::1%eth0"},
		[]string{"*", "*.*.example.com", "10.0.0.1", "http://x.example.com", "a b"},
		[]string{"0", "65536", "7000-6000", "http", "-"},
	)
	if len(errs) != 13 {
		t.Fatalf("%d errors, want 13: %v", len(errs), errs)
	}
	for _, e := range errs {
		if !strings.Contains(e.Error(), "allowed") {
			t.Errorf("error %q does not say which setting", e)
		}
	}
}
