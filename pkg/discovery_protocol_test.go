//go:build protocol

package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/goscope/pprof/pkg/internal/fakedns"
	"github.com/goscope/pprof/pkg/internal/faketarget"
)

// TestPluginDiscovery checks through the plugin protocol that targets
// discovered from a file_sd file, a Prometheus server's active targets
// and DNS (A and SRV) are all queried by "*", carry their labels into the
// frames and the targets resource, and that an address outside the
// allow-list is never fetched.
func TestPluginDiscovery(t *testing.T) {
	var fakes []*faketarget.Target
	port := func(ft *faketarget.Target) int {
		u, _ := url.Parse(ft.URL())
		p, _ := strconv.Atoi(u.Port())
		return p
	}
	for range 6 {
		ft := faketarget.Start()
		t.Cleanup(ft.Close)
		fakes = append(fakes, ft)
	}
	addr := func(i int) string { return fmt.Sprintf("127.0.0.1:%d", port(fakes[i])) }
	var outsideHits atomic.Int32
	outside := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { outsideHits.Add(1) }))
	defer outside.Close()
	outsideAddr := strings.TrimPrefix(outside.URL, "http://")

	dir := t.TempDir()
	sd := filepath.Join(dir, "targets.json")
	os.WriteFile(sd, fmt.Appendf(nil, `[{"targets":[%q,%q,%q],"labels":{"team":"files"}}]`, addr(0), addr(1), outsideAddr), 0o644)

	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"status":"success","data":{"activeTargets":[
		  {"labels":{"instance":"api-0","job":"api","pod":"api-0"},"scrapePool":"api","scrapeUrl":"http://%s/metrics","health":"up"},
		  {"labels":{"instance":"api-1","job":"api","pod":"api-1"},"scrapePool":"api","scrapeUrl":"http://%s/metrics","health":"up"},
		  {"labels":{"instance":"node","job":"node"},"scrapePool":"node","scrapeUrl":"http://%s/metrics","health":"up"}],
		  "droppedTargets":[]}}`, addr(2), addr(3), addr(4))
	}))
	defer prom.Close()

	dns := fakedns.Start(t)
	dns.Set("pprof.test", []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil)
	dns.Set("_pprof._tcp.pprof.test", nil, []net.SRV{{Target: "localhost.", Port: uint16(port(fakes[5]))}})

	var ports []string
	for i := range fakes {
		ports = append(ports, strconv.Itoa(port(fakes[i])))
	}
	allowPorts := `"` + strings.Join(ports, `","`) + `"`
	settings := fmt.Sprintf(`{"recordDisabled":true,"discovery":{
	  "allow":{"networks":["127.0.0.0/8"],"hosts":["localhost"],"ports":[%s]},
	  "discoverers":[
	    {"name":"files","kind":"file","path":%q},
	    {"name":"prom","kind":"prometheus","url":%q,"jobs":["api"],"urlTemplate":"http://{{address}}/debug/pprof"},
	    {"name":"a","kind":"dns","host":"pprof.test","port":%d,"resolver":%q,"labels":{"team":"dns"}},
	    {"name":"srv","kind":"srv","host":"_pprof._tcp.pprof.test","resolver":%q}]}}`,
		allowPorts, sd, prom.URL, port(fakes[4]), dns.Addr, dns.Addr)

	c := startPlugin(t)
	pc := pluginContext(settings)
	pc.DataSourceInstanceSettings.Id = 40

	frames, errText := queryData(t, c, pc, `{"queryType":"metrics","target":"*","metric":"goroutines"}`)
	if errText != "" {
		t.Fatal(errText)
	}
	got := map[string]map[string]string{}
	for _, f := range frames {
		for _, field := range f.Fields {
			if name := field.Labels["target"]; name != "" {
				got[name] = field.Labels
				if v, ok := field.At(0).(float64); !ok || v != faketarget.BeforeGoroutines {
					t.Errorf("%s: %v goroutines, want %d", name, field.At(0), faketarget.BeforeGoroutines)
				}
			}
		}
	}
	want := map[string]string{addr(0): "files", addr(1): "files", "api-0": "", "api-1": "", addr(4): "dns", fmt.Sprintf("localhost:%d", port(fakes[5])): ""}
	if len(got) != len(want) {
		t.Errorf("targets %v, want %v", got, want)
	}
	for name, team := range want {
		if got[name] == nil || got[name]["team"] != team {
			t.Errorf("target %s: labels %v", name, got[name])
		}
	}
	if got["api-0"]["pod"] != "api-0" || got["api-0"]["job"] != "api" {
		t.Errorf("Prometheus labels %v", got["api-0"])
	}
	if outsideHits.Load() != 0 {
		t.Error("an address outside the allow-list was fetched")
	}

	stream, err := c.resource.CallResource(context.Background(), &pluginv2.CallResourceRequest{PluginContext: pc, Path: "targets", Method: "GET", Url: "targets"})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.Recv()
	if err != nil || msg.Code != 200 || !strings.Contains(string(msg.Body), `"name":"api-1"`) || strings.Contains(string(msg.Body), outsideAddr) {
		t.Errorf("targets resource %v: %s", err, msg.GetBody())
	}

	res, err := c.diagnostics.CheckHealth(context.Background(), &pluginv2.CheckHealthRequest{PluginContext: pc})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Message, "Discovery found 6 targets from 4 sources") || !strings.Contains(res.Message, "1 outside the allow-list") {
		t.Errorf("health %v: %s", res.Status, res.Message)
	}
}
