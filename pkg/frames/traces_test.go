package frames

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/traces"
	"github.com/goscope/pprof/pkg/waitstates"
)

func analyzeTrace(t *testing.T, opts traces.Options) TraceClock {
	t.Helper()
	f, err := os.Open("../traces/testdata/go1.26/trace.out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := traces.Analyze(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	return TraceClock{Result: res, End: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
}

// States are data plane series on the trace's own wall clock (a Go 1.26
// trace carries a clock snapshot), one per state the filter keeps.
func TestTraceStates(t *testing.T) {
	c := analyzeTrace(t, traces.Options{Bucket: 2 * time.Millisecond})
	o := Origin{Name: "trace.out", Kind: "dump"}
	all := TraceStates(o, c, c.Result.States, func(waitstates.Category) bool { return true }, true)
	start := c.Result.WallTime(c.Result.Start, c.End)
	for _, f := range all {
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Fields[0].Type() != data.FieldTypeTime {
			t.Fatalf("frame %q is not a time series", f.Name)
		}
		if got := f.Fields[0].At(0).(time.Time); !got.Equal(start) {
			t.Errorf("%s starts at %v, the trace at %v", f.Name, got, start)
		}
		if f.Fields[1].Config.Interval != 2 {
			t.Errorf("interval %v ms", f.Fields[1].Config.Interval)
		}
	}
	only := TraceStates(o, c, c.Result.States, func(cat waitstates.Category) bool { return cat == waitstates.Lock }, false)
	if len(only) != 2 || only[0].Fields[1].Labels["state"] != "lock" || only[1].Fields[1].Labels["state"] != "gc-assist" {
		t.Errorf("state filter kept %d series", len(only))
	}
}

func TestTraceTimelineEndsAtTheTraceEnd(t *testing.T) {
	c := analyzeTrace(t, traces.Options{Timeline: map[uint64]bool{1: true}})
	fs := TraceTimeline(Origin{Name: "trace.out"}, c, c.Result.Timelines)
	if len(fs) != 1 {
		t.Fatalf("%d timelines", len(fs))
	}
	times := fs[0].Fields[0]
	last := times.At(times.Len() - 1).(time.Time)
	if end := c.Result.WallTime(c.Result.End, c.End); !last.Equal(end) {
		t.Errorf("the main goroutine's timeline ends at %v, the trace at %v", last, end)
	}
	if fs[0].Fields[1].At(0).(string) == "" {
		t.Error("empty state")
	}
}

func TestTraceSpansSummary(t *testing.T) {
	spans := []traces.Span{{Name: "a", Duration: 3}, {Name: "a", Duration: 1}, {Name: "a", Duration: 2}, {Name: "b", Duration: 7}}
	fs := TraceSpans(Origin{}, TraceClock{Result: &traces.Result{}, End: time.Unix(0, 0)}, "regions", spans)
	summary := fs[1]
	if fs[0].Meta != nil && len(fs[0].Meta.Notices) != 0 {
		t.Errorf("notices %v", fs[0].Meta.Notices)
	}
	want := map[string][]int64{"Count": {3, 1}, "Total": {6, 7}, "Mean": {2, 7}, "p50": {2, 7}, "p99": {3, 7}, "Max": {3, 7}}
	for name, values := range want {
		f, _ := summary.FieldByName(name)
		for i, v := range values {
			if f.At(i).(int64) != v {
				t.Errorf("%s[%d] = %v, want %d", name, i, f.At(i), v)
			}
		}
	}
}

// A program that marks no regions gets a table saying so, not a bare one.
func TestTraceWithoutSpansSaysSo(t *testing.T) {
	fs := TraceSpans(Origin{}, TraceClock{Result: &traces.Result{}, End: time.Unix(0, 0)}, "tasks", nil)
	if fs[0].Rows() != 0 || fs[0].Meta == nil || len(fs[0].Meta.Notices) != 1 || !strings.Contains(fs[0].Meta.Notices[0].Text, "No tasks in this trace") {
		t.Errorf("%d rows, meta %+v", fs[0].Rows(), fs[0].Meta)
	}
}
