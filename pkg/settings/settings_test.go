package settings

import (
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/dumpformat"
)

func load(t *testing.T, jsonData string, secrets map[string]string) (*Settings, error) {
	t.Helper()
	return Load(backend.DataSourceInstanceSettings{JSONData: []byte(jsonData), DecryptedSecureJSONData: secrets})
}

func TestLoadDefaults(t *testing.T) {
	s, err := load(t, `{"targets":[{"name":"api-1","url":"http://api-1:6060/debug/pprof/","labels":{"env":"prod"}}]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timeout != DefaultTimeout || s.MaxResponseBytes != 64<<20 || s.MaxFullDumpGoroutines != DefaultMaxFullDumpGoroutines ||
		s.MinInterval != DefaultMinInterval || s.MaxProfileSeconds != DefaultMaxProfileSeconds || s.MaxTraceSeconds != DefaultMaxTraceSeconds {
		t.Errorf("defaults not applied: %+v", s)
	}
	tg, ok := s.Target("api-1")
	if !ok {
		t.Fatal("target api-1 missing")
	}
	if tg.URL != "http://api-1:6060/debug/pprof" {
		t.Errorf("URL = %q; want the trailing slash trimmed", tg.URL)
	}
	if tg.Labels["env"] != "prod" || tg.Header.Name != "" {
		t.Errorf("target = %+v", tg)
	}
}

func TestLoadEmptySettings(t *testing.T) {
	s, err := load(t, ``, nil)
	if err != nil || len(s.Targets) != 0 {
		t.Fatalf("empty settings: %+v, %v", s, err)
	}
}

func TestLoadLimits(t *testing.T) {
	s, err := load(t, `{"timeoutSeconds":3,"maxResponseMiB":128,"maxFullDumpGoroutines":1000,"minIntervalSeconds":30,"maxProfileSeconds":60,"maxTraceSeconds":10}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Timeout != 3*time.Second || s.MaxResponseBytes != 128<<20 || s.MaxFullDumpGoroutines != 1000 || s.MinInterval != 30*time.Second || s.MaxProfileSeconds != 60 || s.MaxTraceSeconds != 10 {
		t.Errorf("limits = %+v", s)
	}
}

func TestAuthHeaders(t *testing.T) {
	secrets := map[string]string{
		SecretAuthHeaderValue: "Bearer shared",
		TargetAuthKey("b"):    "own-token",
	}
	s, err := load(t, `{"authHeaderName":"X-Api-Key","targets":[
		{"name":"a","url":"http://a/debug/pprof"},
		{"name":"b","url":"http://b/debug/pprof","authHeaderName":"X-Token"},
		{"name":"c","url":"http://c/debug/pprof"}]}`, secrets)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Header{
		"a": {"X-Api-Key", "Bearer shared"},
		"b": {"X-Token", "own-token"},
		"c": {"X-Api-Key", "Bearer shared"},
	}
	for name, h := range want {
		tg, _ := s.Target(name)
		if tg.Header != h {
			t.Errorf("%s: header = %+v; want %+v", name, tg.Header, h)
		}
	}
}

func TestAuthHeaderDefaultsToAuthorization(t *testing.T) {
	s, err := load(t, `{"targets":[{"name":"a","url":"https://a/debug/pprof"}]}`, map[string]string{SecretAuthHeaderValue: "Bearer x"})
	if err != nil {
		t.Fatal(err)
	}
	if h := s.Targets[0].Header; h.Name != "Authorization" || h.Value != "Bearer x" {
		t.Errorf("header = %+v", h)
	}
}

func TestValidationErrors(t *testing.T) {
	cases := []struct {
		name, json string
		want       []string
	}{
		{"not json", `{"targets":`, []string{"not valid JSON"}},
		{"missing name and url", `{"targets":[{}]}`, []string{"target 1: a name is required", "target 1: pprof URL: a URL is required"}},
		{"bad scheme", `{"targets":[{"name":"a","url":"ftp://a/debug/pprof"}]}`, []string{`target "a": pprof URL: "ftp://a/debug/pprof" must start with http:// or https://`}},
		{"no host", `{"targets":[{"name":"a","url":"http:///debug/pprof"}]}`, []string{"has no host"}},
		{"credentials in url", `{"targets":[{"name":"a","url":"http://u:p@a/debug/pprof"}]}`, []string{"must not carry credentials"}},
		{"query in url", `{"targets":[{"name":"a","url":"http://a/debug/pprof?debug=2"}]}`, []string{"must not carry a query"}},
		{"duplicate names", `{"targets":[{"name":"a","url":"http://a/x"},{"name":"a","url":"http://b/x"}]}`, []string{"used twice"}},
		{"bad name", `{"targets":[{"name":"a b","url":"http://a/x"}]}`, []string{"may only hold"}},
		{"bad label", `{"targets":[{"name":"a","url":"http://a/x","labels":{"1x":"v"}}]}`, []string{`label name "1x"`}},
		{"reserved label", `{"targets":[{"name":"a","url":"http://a/x","labels":{"target":"v"}}]}`, []string{"set by the plugin itself"}},
		{"bad metrics url", `{"targets":[{"name":"a","url":"http://a/x","metricsUrl":"a:9090"}]}`, []string{"metrics URL"}},
		{"limits", `{"timeoutSeconds":-1,"maxResponseMiB":5000}`, []string{"timeout (seconds) must be between 1 and 600", "maximum response size (MiB) must be between 1 and 1024"}},
		{"bad header", `{"authHeaderName":"Bad Header"}`, []string{"not a valid HTTP header name"}},
		{"parse cache", `{"parseCacheMiB":-5}`, []string{"parse cache (MiB) must be between 1 and 65536, not -5"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.json, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestDumpSettings(t *testing.T) {
	s, err := load(t, `{"dumpStoreDir":"/var/lib/dumps","maxUploadMiB":128,"dumpQuotaMiB":2048,
		"dumpDirectories":[{"name":"holmes","path":"/var/log/holmes","glob":"goroutine.*"}]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.DumpStoreDir != "/var/lib/dumps" || s.MaxUploadBytes != 128<<20 || s.DumpQuotaBytes != 2048<<20 ||
		len(s.DumpDirectories) != 1 || s.DumpDirectories[0].Glob != "goroutine.*" {
		t.Errorf("dump settings = %+v", s)
	}
	d, _ := load(t, `{}`, nil)
	if d.MaxUploadBytes != 64<<20 || d.DumpQuotaBytes != 1<<30 || d.DumpStoreDir != "" || d.ParseCacheBytes != 256<<20 {
		t.Errorf("defaults = %+v", d)
	}
	if c, _ := load(t, `{"parseCacheMiB":1024}`, nil); c.ParseCacheBytes != 1<<30 {
		t.Errorf("parse cache = %d", c.ParseCacheBytes)
	}
}

func TestDumpSettingsErrors(t *testing.T) {
	_, err := load(t, `{"dumpStoreDir":"dumps","dumpDirectories":[{"name":"a b","path":"logs"},{"name":"x","path":"/x","glob":"["},{"name":"x","path":"/y"}]}`, nil)
	for _, want := range []string{`dump store directory "dumps" must be an absolute path`, `dump directory "a b": the name may only hold`,
		`path "logs" must be an absolute path`, `glob "[" is not valid`, `dump directory "x": the name is used twice`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestDecodingLimits(t *testing.T) {
	d, err := load(t, `{}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (dumpformat.Limits{}).WithDefaults(); d.Limits != want || d.Limits.MaxDecompressedBytes != 512<<20 {
		t.Errorf("defaults = %+v, want %+v", d.Limits, want)
	}
	s, err := load(t, `{"maxDecompressedMiB":64,"maxProfileSamples":5000,"maxProfileLocations":6000,"maxStackFrames":70000}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (dumpformat.Limits{MaxDecompressedBytes: 64 << 20, MaxSamples: 5000, MaxLocations: 6000, MaxStackFrames: 70000}); s.Limits != want {
		t.Errorf("limits = %+v, want %+v", s.Limits, want)
	}
	_, err = load(t, `{"maxDecompressedMiB":5000,"maxProfileSamples":10,"maxProfileLocations":-1,"maxStackFrames":100}`, nil)
	for _, want := range []string{"maximum decompressed size (MiB) must be between 1 and 4096, not 5000",
		"maximum profile samples must be between 1000 and 100000000, not 10",
		"maximum profile locations must be between 1000 and 100000000, not -1",
		"maximum stack frames must be between 10000 and 1000000000, not 100"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestObjectStorage(t *testing.T) {
	secrets := map[string]string{SecretObjectStorageAccessKey: "ak", SecretObjectStorageSecretKey: "sk"}
	s, err := FromJSON(JSONData{ObjectStorage: &ObjectStorageJSON{
		Endpoint: "http://127.0.0.1:8333", Region: "us-east-1", Bucket: "pprof-dumps", Prefix: "/grafana/prod/", PathStyle: true,
	}}, secrets)
	if err != nil {
		t.Fatal(err)
	}
	if c := s.ObjectStorage; c == nil || c.Prefix != "grafana/prod" || c.AccessKey != "ak" || c.SecretKey != "sk" || !c.PathStyle {
		t.Fatalf("object storage = %+v", c)
	}
	if s, err := FromJSON(JSONData{}, nil); err != nil || s.ObjectStorage != nil {
		t.Fatalf("default store: %+v, %v", s.ObjectStorage, err)
	}
	for _, tc := range []struct {
		os   ObjectStorageJSON
		want string
	}{
		{ObjectStorageJSON{Bucket: "b-1"}, "endpoint is missing"},
		{ObjectStorageJSON{Endpoint: "s3.amazonaws.com", Bucket: "b-1"}, "not an http(s) URL"},
		{ObjectStorageJSON{Endpoint: "https://s3.amazonaws.com/b-1", Bucket: "b-1"}, "has a path"},
		{ObjectStorageJSON{Endpoint: "https://u:p@s3.amazonaws.com", Bucket: "b-1"}, "must not carry credentials"},
		{ObjectStorageJSON{Endpoint: "https://s3.amazonaws.com", Bucket: "B"}, "not a valid bucket name"},
		{ObjectStorageJSON{Endpoint: "https://s3.amazonaws.com", Bucket: "b-1", Prefix: "a/../b"}, "not a clean path"},
	} {
		_, err := FromJSON(JSONData{ObjectStorage: &tc.os}, secrets)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.os, err, tc.want)
		}
	}
	_, err = FromJSON(JSONData{ObjectStorage: &ObjectStorageJSON{Endpoint: "https://s3.amazonaws.com", Bucket: "b-1"}},
		map[string]string{SecretObjectStorageAccessKey: "ak"})
	if err == nil || !strings.Contains(err.Error(), "both the access key and the secret key") {
		t.Fatalf("half the credentials: %v", err)
	}
}
