//go:build protocol

package main

// Evidence over time through the plugin protocol: history that survives a
// SIGKILL of the plugin process, a capture when a target's goroutines
// jump, and "what grew" on the capture.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/goscope/pprof/pkg/internal/faketarget"
)

// evidenceContext records one fake target every 5 s with a full dump
// every round, keeping history and dumps in the given directories.
func evidenceContext(ft *faketarget.Target, historyDir, dumpDir, extra string) *pluginv2.PluginContext {
	pc := pluginContext(fmt.Sprintf(`{"recordIntervalSeconds":5,"fullDumpIntervalSeconds":5,"historyDir":%q,"dumpStoreDir":%q,%s"targets":[{"name":"t","url":%q}]}`,
		historyDir, dumpDir, extra, ft.URL()))
	pc.DataSourceInstanceSettings.Id = 40
	pc.DataSourceInstanceSettings.Uid = "evidence"
	return pc
}

// samplesOf returns the times of a target's recorded figure, as the series
// view answers.
func samplesOf(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, figure string) []time.Time {
	t.Helper()
	frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"metrics","view":"series","target":"t","metric":%q}`, figure))
	if errText != "" {
		t.Fatal(errText)
	}
	var times []time.Time
	for _, f := range frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			continue
		}
		for i := range f.Rows() {
			times = append(times, f.Fields[0].At(i).(time.Time))
		}
	}
	return times
}

// The plugin process killed with SIGKILL keeps the history it recorded:
// a new process answers the same samples, and records on.
func TestPluginHistorySurvivesSIGKILL(t *testing.T) {
	ft := faketarget.Start()
	defer ft.Close()
	historyDir, dumpDir := t.TempDir(), t.TempDir()
	pc := evidenceContext(ft, historyDir, dumpDir, "")

	first := startPlugin(t)
	waitFor(t, func() bool {
		return len(samplesOf(t, first, pc, "goroutines")) >= 2 && len(samplesOf(t, first, pc, "goroutines_lock")) >= 1
	})
	before := samplesOf(t, first, pc, "goroutines")
	states := samplesOf(t, first, pc, "goroutines_lock")
	pid := first.process.ReattachConfig().Pid
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return syscall.Kill(pid, 0) != nil })

	second := startPlugin(t)
	after := samplesOf(t, second, pc, "goroutines")
	if len(after) < len(before) {
		t.Fatalf("after SIGKILL the history has %d samples; %d were recorded", len(after), len(before))
	}
	for i, at := range before {
		if !after[i].Equal(at) {
			t.Errorf("sample %d at %v became %v", i, at, after[i])
		}
	}
	if got := samplesOf(t, second, pc, "goroutines_lock"); len(got) < len(states) {
		t.Errorf("states over time: %d samples after SIGKILL, %d before", len(got), len(states))
	}
	waitFor(t, func() bool { return len(samplesOf(t, second, pc, "goroutines")) > len(before) })
}

// jumpRules capture a fake target when its goroutines jump, with the
// shortest cooldown the settings allow; jumpReason is why.
const (
	jumpRules  = `"captureRules":[{"figure":"goroutines","min":20,"diff":100,"samples":2,"cooldownMinutes":1}],`
	jumpReason = "goroutines 29 → 467, +1,510% over the mean of 2 samples"
	// bundleParts are a capture's parts without a CPU profile or trace:
	// the full dump, the heap, threadcreate and goroutine profiles and the
	// baseline.
	bundleParts = 5
)

// A target whose goroutines jump from 29 to 467 is captured once, with
// the reason, and "what grew" on the capture is what the process did.
func TestPluginCaptureOnJump(t *testing.T) {
	ft := faketarget.Start()
	defer ft.Close()
	start := time.Now()
	pc := evidenceContext(ft, t.TempDir(), t.TempDir(), jumpRules)
	c := startPlugin(t)
	// Panels asking for the target's goroutines all along, as a dashboard
	// refreshed by several people would: with the recorder and the
	// capture, still one full dump per minimum interval.
	stop := make(chan struct{})
	var panels sync.WaitGroup
	var queries atomic.Int64
	for i := range 8 {
		panels.Go(func() { refreshPanel(c, pc, []string{"groups", "count", "states", "leaks"}[i%4], stop, &queries) })
	}
	// The recorder spreads its samples over the interval and hands them
	// to the rules in batches, and the panels load the machine: the
	// waits on its rounds allow for a busy machine.
	waitForLong(t, "two samples and a full dump before the jump", func() bool {
		return len(samplesOf(t, c, pc, "goroutines")) >= 2 && len(samplesOf(t, c, pc, "goroutines_lock")) >= 1
	})
	ft.Grow()

	captured := func() []map[string]any {
		frames, errText := queryData(t, c, pc, `{"queryType":"dumps","view":"list","dumpSource":"capture:t"}`)
		if errText != "" {
			t.Fatal(errText)
		}
		var rows []map[string]any
		for i := range frames[0].Rows() {
			row := map[string]any{}
			for _, f := range frames[0].Fields {
				row[f.Name] = f.At(i)
			}
			rows = append(rows, row)
		}
		return rows
	}
	waitForLong(t, "a capture of the jump", func() bool { return len(captured()) >= bundleParts })
	for _, row := range captured() {
		if row["reason"] != jumpReason {
			t.Errorf("%s: reason %q; want %q", row["name"], row["reason"], jumpReason)
		}
	}

	// Two more rounds with the count still high: no second capture
	// within the cooldown.
	rounds := ft.Requests("")
	waitForLong(t, "two more rounds", func() bool { return ft.Requests("") >= rounds+2 })
	frames, errText := queryData(t, c, pc, `{"queryType":"dumps","view":"annotations","dumpSource":"capture"}`)
	if errText != "" || frames[0].Rows() != 1 {
		t.Fatalf("annotations: %q, %d rows", errText, frames[0].Rows())
	}
	if text := frames[0].Fields[2].At(0).(string); !strings.HasPrefix(text, jumpReason) {
		t.Errorf("annotation text %q", text)
	}

	frames, errText = queryData(t, c, pc, `{"queryType":"goroutines","view":"growth","dumpSource":"capture:t"}`)
	if errText != "" {
		t.Fatal(errText)
	}
	checkGrowth(t, frames[0])

	close(stop)
	panels.Wait()
	elapsed := time.Since(start)
	n, allowed := ft.FullDumps(), int(elapsed/(5*time.Second))+1
	t.Logf("%d full dumps in %s under %d goroutine queries of 8 panels, the recorder and a capture", n, elapsed.Round(time.Second), queries.Load())
	if n > allowed {
		t.Errorf("%d full dumps in %s with a 5 s minimum interval; at most %d allowed", n, elapsed.Round(time.Second), allowed)
	}
}

// refreshPanel runs a goroutines query of the target over and over until
// stop is closed.
func refreshPanel(c pluginClients, pc *pluginv2.PluginContext, view string, stop <-chan struct{}, queries *atomic.Int64) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		now := time.Now()
		queries.Add(1)
		c.data.QueryData(context.Background(), &pluginv2.QueryDataRequest{
			PluginContext: pc,
			Queries: []*pluginv2.DataQuery{{
				RefId: "A", Json: []byte(fmt.Sprintf(`{"queryType":"goroutines","target":"t","view":%q}`, view)),
				TimeRange: &pluginv2.TimeRange{FromEpochMS: now.Add(-time.Hour).UnixMilli(), ToEpochMS: now.UnixMilli()},
			}},
		})
	}
}

// checkGrowth compares a growth table with what the program that wrote
// the dumps did (stackgroups/testdata/growth/expected.json).
func checkGrowth(t *testing.T, table *data.Frame) {
	t.Helper()
	raw, err := os.ReadFile("stackgroups/testdata/growth/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []struct {
		Function      string
		Before, After int64
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	fn, _ := table.FieldByName("Function")
	before, _ := table.FieldByName("Before")
	after, _ := table.FieldByName("After")
	rows := map[string][2]int64{}
	for i := range table.Rows() {
		rows[fn.At(i).(string)] = [2]int64{before.At(i).(int64), after.At(i).(int64)}
	}
	for _, w := range want {
		if got := rows[w.Function]; got != [2]int64{w.Before, w.After} {
			t.Errorf("%s: %d → %d; want %d → %d", w.Function, got[0], got[1], w.Before, w.After)
		}
	}
	if first := fn.At(0).(string); first != "main.locker" {
		t.Errorf("the group that grew most is %s; want main.locker", first)
	}
}
