package plugin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
)

const tracesDir = "../traces/testdata/"

// traceTarget serves a real trace at /debug/pprof/trace, counting fetches
// and recording the seconds asked for.
func traceTarget(t *testing.T, fetches *atomic.Int32, seconds *atomic.Value) string {
	t.Helper()
	body := readFile(t, tracesDir+"go1.26/trace.out")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debug/pprof/trace" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		seconds.Store(r.URL.Query().Get("seconds"))
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/debug/pprof"
}

func TestTraceViewsOfAnUpload(t *testing.T) {
	d := newInstance(t, `{}`)
	e := upload(t, d, "trace.out", readFile(t, tracesDir+"go1.27/trace.out"))
	if e.Format != "trace" {
		t.Fatalf("uploaded trace detected as %q", e.Format)
	}
	for _, tc := range []struct {
		view, extra string
		check       func(t *testing.T, fs data.Frames)
	}{
		{"states", ``, func(t *testing.T, fs data.Frames) {
			states := map[string]bool{}
			for _, f := range fs {
				states[f.Fields[1].Labels["state"]] = true
				if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Fields[1].Labels["dump"] != "trace.out" {
					t.Errorf("frame %q: %+v %v", f.Name, f.Meta, f.Fields[1].Labels)
				}
			}
			for _, s := range []string{"running", "runnable", "lock", "channel", "io", "syscall", "gc-assist"} {
				if !states[s] {
					t.Errorf("no %s series in %v", s, states)
				}
			}
		}},
		{"blocking", `"trace":{"kind":"all"}`, func(t *testing.T, fs data.Frames) {
			if err := frames.CheckFlameGraph(fs[0]); err != nil {
				t.Fatal(err)
			}
			labels := fieldByName(t, fs[0], "label")
			text := labels.Config.TypeConfig.Enum.Text
			var kinds []string
			for i := range labels.Len() {
				if fs[0].Fields[0].At(i).(int64) == 1 {
					kinds = append(kinds, text[labels.At(i).(data.EnumItemIndex)])
				}
			}
			if got := strings.Join(kinds, ","); !strings.Contains(got, "sched") || !strings.Contains(got, "sync") {
				t.Errorf("kinds under the root: %s", got)
			}
		}},
		{"top", `"trace":{"kind":"sync"}`, func(t *testing.T, fs data.Frames) {
			if fs[0].Rows() == 0 {
				t.Error("empty top table")
			}
		}},
		{"goroutines", ``, func(t *testing.T, fs data.Frames) {
			names := fieldByName(t, fs[0], "Start function")
			found := false
			for i := range names.Len() {
				found = found || names.At(i).(string) == "main.startWorkload.func1.1"
			}
			if !found {
				t.Error("no row for the workload's goroutines")
			}
		}},
		{"goroutines", `"trace":{"perGoroutine":true,"goroutines":5}`, func(t *testing.T, fs data.Frames) {
			if fs[0].Rows() != 5 {
				t.Errorf("%d rows, want 5", fs[0].Rows())
			}
		}},
		{"timeline", `"trace":{"goroutines":3},"filter":{"hideRuntime":true}`, func(t *testing.T, fs data.Frames) {
			if len(fs) != 3 {
				t.Fatalf("%d timelines, want 3", len(fs))
			}
			if fs[0].Fields[1].Len() < 2 || !strings.HasPrefix(fs[0].Fields[1].Config.DisplayNameFromDS, "G") {
				t.Errorf("timeline %q with %d changes", fs[0].Fields[1].Config.DisplayNameFromDS, fs[0].Fields[1].Len())
			}
		}},
		{"regions", ``, func(t *testing.T, fs data.Frames) {
			if len(fs) != 2 || fs[0].Rows() == 0 || fs[1].Rows() != 2 {
				t.Errorf("regions: %d frames", len(fs))
			}
		}},
		{"tasks", ``, func(t *testing.T, fs data.Frames) {
			if fs[0].Rows() == 0 {
				t.Error("no tasks")
			}
		}},
		{"gc", ``, func(t *testing.T, fs data.Frames) {
			texts := fieldByName(t, fs[0], "title")
			stw := false
			for i := range texts.Len() {
				stw = stw || texts.At(i).(string) == "stop-the-world (all goroutines stack trace)"
			}
			if !stw {
				t.Error("the dump's stop-the-world is not an annotation")
			}
		}},
		{"metrics", ``, func(t *testing.T, fs data.Frames) {
			if len(fs) < 2 {
				t.Errorf("%d series", len(fs))
			}
		}},
	} {
		t.Run(tc.view+tc.extra, func(t *testing.T) {
			js := fmt.Sprintf(`{"queryType":"trace","view":%q,"dump":%q`, tc.view, e.ID)
			if tc.extra != "" {
				js += "," + tc.extra
			}
			r := runQuery(t, d, js+"}")
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			tc.check(t, r.Frames)
		})
	}
}

func TestTraceOfATarget(t *testing.T) {
	var fetches atomic.Int32
	var seconds atomic.Value
	d := newInstance(t, fmt.Sprintf(`{"maxTraceSeconds":3,"targets":[{"name":"svc","url":%q}]}`, traceTarget(t, &fetches, &seconds)))
	r := runQuery(t, d, `{"queryType":"trace","view":"blocking","target":"svc","trace":{"seconds":2,"kind":"sched"}}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if seconds.Load() != "2" {
		t.Errorf("traced for %v seconds, want 2", seconds.Load())
	}
	// An expensive endpoint: the next query within the minimum interval
	// reuses the trace.
	if r := runQuery(t, d, `{"queryType":"trace","view":"states","target":"svc","trace":{"seconds":2}}`); r.Error != nil {
		t.Fatal(r.Error)
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches of the trace, want 1", n)
	}
	r = runQuery(t, d, `{"queryType":"trace","target":"svc","trace":{"seconds":4}}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "maxTraceSeconds") {
		t.Errorf("error = %v", r.Error)
	}
}

func TestTraceOfADumpDirectory(t *testing.T) {
	dir := t.TempDir()
	trace := readFile(t, tracesDir+"go1.25/trace.out")
	if err := os.WriteFile(filepath.Join(dir, "trace.20261121T211542Z.bin"), trace, 0o644); err != nil {
		t.Fatal(err)
	}
	d := newInstance(t, fmt.Sprintf(`{"dumpDirectories":[{"name":"flight","path":%q}]}`, dir))
	day := backend.TimeRange{From: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	r := runQueryRange(t, d, `{"queryType":"trace","view":"goroutines","dumpSource":"dir:flight"}`, day)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if r.Frames[0].Rows() == 0 {
		t.Error("no goroutine groups")
	}
}

func TestTraceErrors(t *testing.T) {
	d := newInstance(t, `{}`)
	dump := upload(t, d, "goroutines.txt", readFile(t, tracesDir+"go1.26/goroutines.txt"))
	old := upload(t, d, "old.trace", append([]byte("go 1.21 trace\x00\x00\x00"), make([]byte, 64)...))
	for _, tc := range []struct{ js, says string }{
		{fmt.Sprintf(`{"queryType":"trace","dump":%q}`, dump.ID), "does not read"},
		{fmt.Sprintf(`{"queryType":"trace","dump":%q}`, old.ID), "Go 1.21 execution trace"},
		{`{"queryType":"trace","trace":{"kind":"io"}}`, "unknown trace kind"},
		{`{"queryType":"trace","view":"flamegraph"}`, "unknown view"},
		{`{"queryType":"trace","filter":{"states":["napping"]}}`, "unknown goroutine state"},
		{`{"queryType":"trace","trace":{"reference":"oldest"}}`, "unknown reference"},
	} {
		r := runQuery(t, d, tc.js)
		if r.Error == nil || !strings.Contains(r.Error.Error(), tc.says) {
			t.Errorf("%s: error %v, want it to say %q", tc.js, r.Error, tc.says)
		}
	}
}

// The states at the instant a program dumped its goroutines, asked for by
// wall time, are the dump's: the Go 1.26 trace of pkg/traces' testdata
// holds the stop-the-world of its dump, which the gc view gives.
func TestTraceStatesAtTheDump(t *testing.T) {
	d := newInstance(t, `{}`)
	e := upload(t, d, "trace.out", readFile(t, tracesDir+"go1.26/trace.out"))
	r := runQuery(t, d, fmt.Sprintf(`{"queryType":"trace","view":"gc","dump":%q}`, e.ID))
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	titles, _ := r.Frames[0].FieldByName("title")
	ends, _ := r.Frames[0].FieldByName("timeEnd")
	var at time.Time
	for i := range titles.Len() {
		if titles.At(i).(string) == "stop-the-world (all goroutines stack trace)" {
			at = ends.At(i).(time.Time).Add(-time.Nanosecond)
		}
	}
	if at.IsZero() {
		t.Fatal("no stop-the-world of the dump")
	}
	r = runQuery(t, d, fmt.Sprintf(`{"queryType":"trace","view":"states","dump":%q,"trace":{"at":[%q]},"filter":{"hideRuntime":true}}`,
		e.ID, at.Format(time.RFC3339Nano)))
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	dump, err := goroutines.Parse(readFile(t, tracesDir+"go1.26/goroutines.txt"), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for _, g := range dump.Goroutines {
		want[g.Category.String()]++
	}
	f := r.Frames[0]
	if got := f.Fields[0].At(0).(time.Time); !got.Equal(at) {
		t.Errorf("counted at %v, asked %v", got, at)
	}
	for _, field := range f.Fields[1:] {
		if got := field.At(0).(int64); got != want[field.Name] {
			t.Errorf("%s: %d goroutines in the trace, %d in the dump", field.Name, got, want[field.Name])
		}
	}
}
