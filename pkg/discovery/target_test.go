package discovery

import (
	"context"
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1:6060":             "10.0.0.1:6060",
		"[fd00::1]:6060":            "fd00--1:6060",
		"[::1]:6060":                "0--1:6060",
		"::1:6060":                  "0--1:6060",
		"http://evil/x?y=1":         "http:__evil_x_y_1",
		"api 1/pod":                 "api_1_pod",
		"_hidden":                   "0_hidden",
		"":                          "0",
		strings.Repeat("a", 500):    strings.Repeat("a", maxNameBytes),
		"pod-0.api.svc:6060":        "pod-0.api.svc:6060",
		"fe80::1%eth0":              "fe80::1_eth0",
		"[fe80::1%eth0]:6060":       "fe80--1_eth0:6060",
		"résumé":                    "r_sum_",
		"api-0":                     "api-0",
		"1.2.3.4:6060:extra":        "1.2.3.4:6060:extra",
		"[bad]:6060":                "bad:6060",
		"\x00\n":                    "0__",
		"job/instance{quoted=\"}\"": "job_instance_quoted____",
	} {
		if got := cleanName(in); got != want {
			t.Errorf("cleanName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLabelsBounded(t *testing.T) {
	found := map[string]string{"state": "x", "__address__": "a", "bad-name": "b", "huge": strings.Repeat("v", 2000)}
	for i := range 100 {
		found["l"+strings.Repeat("x", i)] = "v"
	}
	got := targetLabels(found, map[string]string{"env": "prod"}, map[string]bool{"state": true})
	if len(got) != maxLabels || got["huge"] != "" || got["bad-name"] != "" || got["__address__"] != "" {
		t.Errorf("%d labels: %v", len(got), got)
	}
	if got["env"] != "prod" || got["exported_state"] != "x" {
		t.Errorf("labels %v", got)
	}
}

func TestStaticTargetsWin(t *testing.T) {
	m := New(Config{
		Sources:     []SourceConfig{{Name: "api", Kind: KindDNS, Host: "api.test", Port: 6060, NameLabel: "name", Labels: map[string]string{"name": "api"}}},
		Allow:       mustAllow(t, []string{"10.0.0.0/8"}, nil, nil),
		StaticNames: map[string]bool{"api": true},
		StaticURLs:  map[string]bool{"http://10.0.0.3:6060/debug/pprof": true},
	}, fakeResolver{addrs: mustAddrs("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1")})
	m.Refresh(context.Background())
	got := targetNames(m.Targets(context.Background()))
	// Every address wants the name "api": the configured target has it, so
	// each takes its address as a suffix; the configured URL and the
	// repeated address are targets already.
	if want := []string{"api-10.0.0.1:6060", "api-10.0.0.2:6060"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("names %v, want %v", got, want)
	}
	if st := m.Status(); st.Duplicate != 2 {
		t.Errorf("status %+v", st)
	}
}

func TestCheckTemplate(t *testing.T) {
	for tmpl, ok := range map[string]bool{
		"http://{{host}}:6060/debug/pprof":         true,
		"https://{{address}}/pprof":                true,
		"http://pprof.example.com/debug/pprof":     false, // no {{host}} field
		"http://{{host}}:{{pod}}/debug/pprof":      false,
		"ftp://{{address}}/":                       false,
		"http://user:pw@{{address}}/debug/pprof":   false,
		"http://{{address}}/debug/pprof?x=1":       false,
		"{{address}}/debug/pprof":                  false,
		"http://{{host}}:{{port}}/debug/pprof#top": false,
	} {
		if err := CheckTemplate(tmpl, false); (err == nil) != ok {
			t.Errorf("CheckTemplate(%q) = %v, want ok %v", tmpl, err, ok)
		}
	}
	if err := CheckTemplate("http://{{address}}/metrics?format=text", true); err != nil {
		t.Errorf("a metrics URL may carry a query: %v", err)
	}
}

func TestConfigCheck(t *testing.T) {
	errs := Config{Sources: []SourceConfig{
		{Name: "a", Kind: KindDNS, Host: "api.test"},
		{Name: "a", Kind: KindSRV, Host: "http://x", Resolver: "10.0.0.1"},
		{Name: "", Kind: KindPrometheus, URL: "http://user:pw@prom:9090", Password: "x", BearerToken: "y"},
		{Name: "f", Kind: KindFile, Path: "relative.json", URLTemplate: "http://static/debug/pprof", NameLabel: "bad-label"},
		{Name: "k", Kind: "consul"},
	}}.Check()
	text := ""
	for _, e := range errs {
		text += e.Error() + "\n"
	}
	for _, want := range []string{
		"needs an allow-list", `"a": the port`, `"a": the name is used twice`, "a DNS name to look up",
		"must be host:port", "without credentials", "either basic auth or a bearer token", "absolute path",
		"must use {{host}} or {{address}}", `name label "bad-label"`, `kind "consul"`, "a name of letters",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("errors lack %q:\n%s", want, text)
		}
	}
}
