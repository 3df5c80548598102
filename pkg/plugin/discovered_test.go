package plugin

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// hostPort is a test server URL's host:port.
func hostPort(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// framesByTarget is the labels of every frame's value fields, by target.
func framesByTarget(fs data.Frames) map[string]data.Labels {
	out := map[string]data.Labels{}
	for _, f := range fs {
		for _, field := range f.Fields {
			if field.Labels["target"] != "" {
				out[field.Labels["target"]] = field.Labels
			}
		}
	}
	return out
}

func TestDiscoveredTargets(t *testing.T) {
	static := pprofServer(t, "go1.19.html")
	fromFile := pprofServer(t, "go1.27.html")
	fromProm := pprofServer(t, "go1.27.html")
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := hostPort(t, fromProm)
		fmt.Fprintf(w, `{"status":"success","data":{"activeTargets":[
		  {"discoveredLabels":{"__address__":%[1]q},"labels":{"instance":"api-0","job":"api","pod":"api-0"},
		   "scrapePool":"api","scrapeUrl":"http://%[1]s/metrics","health":"up"},
		  {"discoveredLabels":{"__address__":"10.9.9.9:80"},"labels":{"instance":"outside","job":"api"},
		   "scrapePool":"api","scrapeUrl":"http://10.9.9.9:80/metrics","health":"up"}]}}`, a)
	}))
	defer prom.Close()
	dir := t.TempDir()
	sd := filepath.Join(dir, "targets.json")
	if err := os.WriteFile(sd, fmt.Appendf(nil, `[{"targets":[%q],"labels":{"env":"file"}}]`, hostPort(t, fromFile)), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newInstance(t, fmt.Sprintf(`{"recordDisabled":true,
	  "targets":[{"name":"static","url":%q}],
	  "discovery":{"allow":{"networks":["127.0.0.0/8"]},"discoverers":[
	    {"name":"files","kind":"file","path":%q},
	    {"name":"prom","kind":"prometheus","url":%q,"jobs":["api"],"urlTemplate":"http://{{address}}/debug/pprof"}]}}`,
		static, sd, prom.URL))

	r := runQuery(t, d, `{"queryType":"metrics","target":"*","metric":"goroutines"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	byTarget := framesByTarget(r.Frames)
	fileName := hostPort(t, fromFile)
	if len(byTarget) != 3 || byTarget["static"] == nil || byTarget["api-0"]["pod"] != "api-0" || byTarget[fileName]["env"] != "file" {
		t.Fatalf("targets in frames: %v", byTarget)
	}

	// By name and by label-carrying regex, as variables write them.
	r = runQuery(t, d, `{"queryType":"metrics","target":"(api-0|static)","metric":"goroutines"}`)
	if got := framesByTarget(r.Frames); r.Error != nil || len(got) != 2 {
		t.Errorf("regex over discovered and configured targets: %v %v", r.Error, got)
	}

	rec := httptest.NewRecorder()
	d.handleTargets(rec, httptest.NewRequest("GET", "/targets", nil))
	if body := rec.Body.String(); !strings.Contains(body, `"name":"api-0"`) || !strings.Contains(body, `"pod":"api-0"`) || !strings.Contains(body, `"name":"`+fileName+`"`) || strings.Contains(body, "/debug/pprof") {
		t.Errorf("targets resource: %s", body)
	}

	res, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusOk || !strings.Contains(res.Message, "Discovery found 2 targets from 2 sources") || !strings.Contains(res.Message, "1 outside the allow-list") {
		t.Errorf("health %v: %s", res.Status, res.Message)
	}

	// A broken file: its last targets stay, and queries and the health
	// check say so.
	if err := os.WriteFile(sd, []byte(`[{"targets":`), 0o644); err != nil {
		t.Fatal(err)
	}
	bumpTime(t, sd)
	d.discovered.manager.Refresh(context.Background())
	r = runQuery(t, d, `{"queryType":"metrics","target":"*","metric":"goroutines"}`)
	if r.Error != nil || len(framesByTarget(r.Frames)) != 3 {
		t.Fatalf("after a failed refresh: %v", r.Error)
	}
	notices := r.Frames[0].Meta.Notices
	if len(notices) == 0 || !strings.Contains(notices[len(notices)-1].Text, `Discovery source "files" failed`) {
		t.Errorf("notices %v", notices)
	}
	res, _ = d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "targets.json is not a file_sd list") {
		t.Errorf("health %v: %s", res.Status, res.Message)
	}
}

func TestDiscoveryNeedsAnAllowList(t *testing.T) {
	d := newInstance(t, `{"discovery":{"discoverers":[{"name":"files","kind":"file","path":"/etc/pprof/targets.json"}]}}`)
	res, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "discovery needs an allow-list") {
		t.Errorf("health %v: %s", res.Status, res.Message)
	}
}

func TestDiscoveryFindsNothing(t *testing.T) {
	dir := t.TempDir()
	sd := filepath.Join(dir, "targets.yaml")
	os.WriteFile(sd, []byte("- targets: ['8.8.8.8:6060']\n"), 0o644)
	d := newInstance(t, fmt.Sprintf(`{"recordDisabled":true,"discovery":{"allow":{"networks":["10.0.0.0/8"]},"discoverers":[{"name":"f","kind":"file","path":%q}]}}`, sd))
	res, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "found 0 targets") || !strings.Contains(res.Message, "8.8.8.8") {
		t.Errorf("health %v: %s", res.Status, res.Message)
	}
	r := runQuery(t, d, `{"queryType":"metrics","target":"*","metric":"goroutines"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "no targets") {
		t.Errorf("query over no targets: %v", r.Error)
	}
}

// bumpTime moves a file's modification time on, as a later write on a
// coarse-grained file system would.
func bumpTime(t *testing.T, path string) {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	next := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(path, next, next); err != nil {
		t.Fatal(err)
	}
}
