//go:build protocol

package main

// Every panel and annotation of every dashboard the plugin ships, run
// through the built plugin against real demo targets, one and three of
// them, the way Grafana runs a dashboard: each panel's queries in one
// request, the dashboard variables replaced, the rows repeated per target
// once for each target, $source and $dump chosen as the variables choose
// them (the source with the newest dump first, its newest dump first).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/goscope/pprof/pkg/internal/dashboardrun"
)

// demoProcess is a running demo target.
type demoProcess struct {
	base    string
	dumpDir string
}

// startDemos builds the demo once and starts n of them with every
// misbehaviour at its startup scale, each writing dumps (and flight
// recorder traces) into a directory of its own.
func startDemos(t *testing.T, n int) []demoProcess {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "demo")
	if out, err := exec.Command("go", "build", "-o", bin, "../demo").CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	demos := make([]demoProcess, n)
	for i := range demos {
		addr := freeAddress(t)
		demos[i] = demoProcess{base: "http://" + addr, dumpDir: t.TempDir()}
		cmd := exec.Command(bin, "-addr", addr, "-scenario", "all", "-gc-interval", "2s", "-dump-dir", demos[i].dumpDir)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		waitFor(t, func() bool {
			resp, err := http.Get(demos[i].base + "/state")
			if err == nil {
				resp.Body.Close()
			}
			return err == nil && resp.StatusCode == 200
		})
	}
	return demos
}

// dashboardContext is a data source over the demos as docker-compose's
// provisioning sets one up (a metrics URL per target, the first demo's
// dumps as the dump directory "demo", capture rules on goroutines), with
// the recorder sampling every 5 s so captures come within the test.
func dashboardContext(t *testing.T, id int64, demos []demoProcess) (*pluginv2.PluginContext, []string) {
	var targets, names []string
	for i, d := range demos {
		name := fmt.Sprintf("demo-%d", i+1)
		names = append(names, name)
		targets = append(targets, fmt.Sprintf(`{"name":%q,"url":%q,"metricsUrl":%q,"labels":{"env":"demo"}}`, name, d.base+"/debug/pprof", d.base+"/metrics"))
	}
	pc := pluginContext(fmt.Sprintf(`{"recordIntervalSeconds":5,"fullDumpIntervalSeconds":5,"historyDir":%q,"dumpStoreDir":%q,
		"captureRules":[{"figure":"goroutines","min":20,"diff":50,"samples":2,"cooldownMinutes":10}],
		"dumpDirectories":[{"name":"demo","path":%q}],"targets":[%s]}`,
		t.TempDir(), t.TempDir(), demos[0].dumpDir, strings.Join(targets, ",")))
	pc.DataSourceInstanceSettings.Id = id
	pc.DataSourceInstanceSettings.Uid = fmt.Sprintf("dashboards-%d", id)
	return pc, names
}

// listedDump is a dump as the dumps resource lists it.
type listedDump struct {
	ID, Source, Format string
	CapturedAt         time.Time
	CapturedFrom       string
	Capture            *struct {
		Bundle, Reason string
		At             time.Time
		Baseline       bool
	}
}

// moment is what src/variables.ts groups dumps by: a capture's parts
// (without its baseline) are one moment, other dumps their capture time.
func (d listedDump) moment() string {
	if d.Capture != nil && !d.Capture.Baseline {
		return "capture " + d.Capture.Bundle
	}
	return "at " + d.CapturedAt.String()
}

// listDumps lists the dumps of a filter, newest first.
func listDumps(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, filter url.Values) []listedDump {
	t.Helper()
	code, body := callResource(t, c, pc, "GET", "dumps?"+filter.Encode(), nil)
	var list struct{ Dumps []listedDump }
	if code != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("dumps?%s: %d %s", filter.Encode(), code, body)
	}
	return list.Dumps
}

// newestSource is a dump sources variable's first value: the source of
// the newest dump of a profile.
func newestSource(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, profile string) string {
	if dumps := listDumps(t, c, pc, url.Values{"profile": {profile}}); len(dumps) > 0 {
		return dumps[0].Source
	}
	return ""
}

// firstDump is a dumps variable's first value (statesFirst in
// src/variables.ts): of the newest moment's dumps, one with goroutine
// states when there is one.
func firstDump(dumps []listedDump) string {
	if len(dumps) == 0 {
		return ""
	}
	for _, d := range dumps {
		if d.moment() != dumps[0].moment() {
			break
		}
		if d.Format == "goroutine-text" || d.Format == "crash-text" {
			return d.ID
		}
	}
	return dumps[0].ID
}

func TestPluginDashboards(t *testing.T) {
	demos := startDemos(t, 3)
	c := startPlugin(t)
	for _, n := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d targets", n), func(t *testing.T) {
			pc, names := dashboardContext(t, int64(50+n), demos[:n])
			prepareEvidence(t, c, pc, demos[:n], names)
			paths, err := dashboardrun.Files()
			if err != nil || len(paths) < 5 {
				t.Fatalf("%d dashboards, %v", len(paths), err)
			}
			for _, path := range paths {
				dash, err := dashboardrun.Load(path)
				if err != nil {
					t.Fatal(err)
				}
				t.Run(dash.Title, func(t *testing.T) { runDashboard(t, c, pc, dash, names) })
			}
		})
	}
}

// prepareEvidence waits for what the dashboards show over time: samples
// and full dumps of every target, then a jump of each target's goroutines
// and the capture it sets off, and a flight recorder trace of the first.
func prepareEvidence(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, demos []demoProcess, names []string) {
	t.Helper()
	series := func(name, metric string) bool {
		frames, _ := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"metrics","view":"series","target":%q,"metric":%q}`, name, metric))
		return hasRows(frames)
	}
	for _, name := range names {
		waitForLong(t, name+"'s samples and states", func() bool { return series(name, "goroutines") && series(name, "goroutines_lock") })
	}
	// Two samples are what the capture rule compares a jump with.
	time.Sleep(6 * time.Second)
	for _, d := range demos {
		resp, err := http.Post(d.base+"/misbehave/chanblock?n=2000", "", nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("a jump of goroutines: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	for _, name := range names {
		waitForLong(t, "a capture of "+name, func() bool {
			return len(listDumps(t, c, pc, url.Values{"source": {"capture:" + name}, "profile": {"heap"}})) > 0
		})
	}
	waitForLong(t, "a flight recorder trace", func() bool { return newestSource(t, c, pc, "trace") != "" })
}

// waitForLong polls for up to 90 s: captures follow the recorder's
// rounds.
func waitForLong(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 90 s", what)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// runDashboard runs every panel and annotation of a dashboard with All
// targets chosen, the variables as the dashboard chooses them.
func runDashboard(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, dash *dashboardrun.Dashboard, names []string) {
	vars := dashboardrun.Vars{Targets: names, All: true}
	// A dump sources variable opens on the source with the newest dump of
	// its profile; a dumps variable on that source's newest dump.
	switch dash.UID {
	case "go-pprof-dump-explorer":
		vars.Source = newestSource(t, c, pc, "goroutine")
		vars.Dump = firstDump(listDumps(t, c, pc, url.Values{"source": {vars.Source}, "profile": {"goroutine"}}))
		t.Logf("$source %s, $dump %s", vars.Source, vars.Dump)
	case "go-pprof-scheduler-blocking":
		vars.Source = newestSource(t, c, pc, "trace")
		t.Logf("$source %s", vars.Source)
	}
	refresh, err := dash.Refresh(vars)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range refresh.Annotations {
		if _, errText := queryData(t, c, pc, string(a)); errText != "" {
			t.Errorf("annotation %s: %s", a, errText)
		}
	}
	for _, p := range refresh.Panels {
		name := p.Title
		if p.Target != "" {
			name += " (" + p.Target + ")"
		}
		frames, errs := queryPanel(t, c, pc, p.Queries)
		for _, e := range errs {
			t.Errorf("%s: %s", name, e)
		}
		if len(errs) == 0 && !hasRows(frames) {
			t.Errorf("%s: no data (notices %q)", name, notices(frames))
		}
		if check := tellsTheStory[p.Title]; check != nil && len(errs) == 0 {
			if problem := check(frames); problem != "" {
				t.Errorf("%s: %s", name, problem)
			}
		}
		if len(errs) == 0 {
			checkOverrideNames(t, name, p.FieldNames, frames)
		}
		t.Logf("%-60s %d frames, rows %v, notices %d", name, len(frames), hasRows(frames), len(notices(frames)))
	}
}

// tellsTheStory checks what panels show of what the demos did: the
// categories without their total, the goroutines the test piled up as what
// grew, the locked waiters apart from the goroutines in system calls.
var tellsTheStory = map[string]func(data.Frames) string{
	"Goroutines per state category": func(frames data.Frames) string {
		for _, f := range frames {
			for _, field := range f.Fields {
				if field.Labels["category"] == "all" {
					return "the total is among the categories"
				}
			}
		}
		return ""
	},
	"What grew (newest capture in the time range)": func(frames data.Frames) string {
		return firstRowHas(frames, "Function", "(*channelBlock)")
	},
	"Locked to threads, outside system calls": func(frames data.Frames) string {
		if problem := firstRowHas(frames, "Stack", "(*threadLeak).waitLocked"); problem != "" {
			return problem
		}
		return notIn(frames, "Stack", "readPipeNobodyWrites")
	},
	"Goroutines in system calls": func(frames data.Frames) string {
		return notIn(frames, "Stack", "waitLocked")
	},
}

// firstRowHas: the first row's field holds text.
func firstRowHas(frames data.Frames, field, text string) string {
	for _, f := range frames {
		if v, i := f.FieldByName(field); i >= 0 && f.Rows() > 0 {
			if got := fmt.Sprint(v.At(0)); !strings.Contains(got, text) {
				return fmt.Sprintf("the first row's %s is %.200q; want %s", field, got, text)
			}
			return ""
		}
	}
	return "no " + field + " field"
}

// notIn: no row's field holds text.
func notIn(frames data.Frames, field, text string) string {
	for _, f := range frames {
		if v, i := f.FieldByName(field); i >= 0 {
			for row := range f.Rows() {
				if strings.Contains(fmt.Sprint(v.At(row)), text) {
					return fmt.Sprintf("a row's %s holds %s", field, text)
				}
			}
		}
	}
	return ""
}

// queryPanel sends a panel's queries in one request, as a panel does.
func queryPanel(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, queries []json.RawMessage) (data.Frames, []string) {
	t.Helper()
	now := time.Now()
	req := &pluginv2.QueryDataRequest{PluginContext: pc}
	for i, q := range queries {
		req.Queries = append(req.Queries, &pluginv2.DataQuery{
			RefId: string(rune('A' + i)), Json: q, IntervalMS: 10000, MaxDataPoints: 1000,
			TimeRange: &pluginv2.TimeRange{FromEpochMS: now.Add(-time.Hour).UnixMilli(), ToEpochMS: now.UnixMilli()},
		})
	}
	resp, err := c.data.QueryData(context.Background(), req)
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	var all data.Frames
	var errs []string
	for _, q := range req.Queries {
		r := resp.Responses[q.RefId]
		if r.Error != "" {
			errs = append(errs, fmt.Sprintf("query %s %s: %s", q.RefId, q.Json, r.Error))
			continue
		}
		frames, err := data.UnmarshalArrowFrames(r.Frames)
		if err != nil {
			t.Fatalf("decoding Arrow frames: %v", err)
		}
		all = append(all, frames...)
	}
	return all, errs
}

// checkOverrideNames: a panel's overrides by field name match a field of
// its frames, by name or display name, as Grafana's byName matcher does;
// an override naming no field silently does nothing.
func checkOverrideNames(t *testing.T, panel string, names []string, frames data.Frames) {
	var have []string
	for _, f := range frames {
		for _, field := range f.Fields {
			have = append(have, field.Name)
			if field.Config != nil && field.Config.DisplayName != "" {
				have = append(have, field.Config.DisplayName)
			}
		}
	}
	for _, name := range names {
		if !slices.Contains(have, name) {
			t.Errorf("%s: an override names the field %q, which its frames do not have (%q)", panel, name, have)
		}
	}
}
