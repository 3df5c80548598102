package frames

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/profiles"
)

func TestTopFrame(t *testing.T) {
	top, err := profiles.Top(loadProfile(t, "block.pb.gz"), profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := Top(top, testOrigin)
	var names []string
	for _, fld := range f.Fields {
		names = append(names, fld.Name)
	}
	if got := strings.Join(names, ","); got != "function,flat,flat %,sum %,cum,cum %" {
		t.Fatalf("fields %s", got)
	}
	if f.Rows() != len(top.Rows) || f.Meta.PreferredVisualization != data.VisTypeTable {
		t.Fatalf("%d rows, meta %+v", f.Rows(), f.Meta)
	}
	if f.Fields[1].Config.Unit != "ns" || f.Fields[2].Config.Unit != "percent" {
		t.Errorf("units %q %q", f.Fields[1].Config.Unit, f.Fields[2].Config.Unit)
	}
	first := top.Rows[0]
	if got := f.Fields[0].At(0).(string); got != first.Function+" (inline)" || first.Inline != "inline" {
		t.Errorf("first function %q (%+v)", got, first)
	}
	last := f.Rows() - 1
	if sum := f.Fields[3].At(last).(float64); math.Abs(sum-100) > 1e-9 {
		t.Errorf("sum %% of the last row is %v", sum)
	}
	if pct := f.Fields[2].At(0).(float64); math.Abs(pct-100*float64(first.Flat)/float64(top.Total)) > 1e-9 {
		t.Errorf("flat %% %v", pct)
	}
}

func TestTopFrameByLineAndDropped(t *testing.T) {
	top, err := profiles.Top(loadProfile(t, "allocs.pb.gz"), profiles.Options{ByLine: true, NodeFraction: 0.005})
	if err != nil {
		t.Fatal(err)
	}
	f := Top(top, testOrigin)
	if f.Fields[1].Name != "location" {
		t.Fatalf("second field %s", f.Fields[1].Name)
	}
	loc := f.Fields[1].At(0).(string)
	if !strings.Contains(loc, ".go:") && !strings.Contains(loc, ".s:") {
		t.Errorf("location %q", loc)
	}
	if top.DroppedNodes == 0 || len(f.Meta.Notices) != 1 {
		t.Errorf("dropped %d, notices %v", top.DroppedNodes, f.Meta.Notices)
	}
	custom := f.Meta.Custom.(map[string]any)
	if custom["droppedNodes"] != top.DroppedNodes || custom["nodeFraction"] != 0.005 || custom["nodeCutoff"] != top.NodeCutoff {
		t.Errorf("meta %v", custom)
	}
	want := "Showing " + strconv.Itoa(f.Rows()) + " rows: " + strconv.Itoa(top.DroppedNodes) + " more, each with a cum under "
	if !strings.HasPrefix(f.Meta.Notices[0].Text, want) || !strings.Contains(f.Meta.Notices[0].Text, "(0.5% of the total)") {
		t.Errorf("notice %q, want it to start %q", f.Meta.Notices[0].Text, want)
	}
}

// TestTopFrameStackless: the threads of a real Go 1.22 threadcreate
// profile whose creation stack was not recorded are one row, and the
// frame says why.
func TestTopFrameStackless(t *testing.T) {
	top, err := profiles.Top(loadProfile(t, "threadcreate/go1.22/threadcreate.pb.gz"), profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := Top(top, testOrigin)
	if got := f.Fields[0].At(0).(string); got != profiles.StackNotRecorded || f.Fields[1].At(0).(int64) != 15 {
		t.Errorf("first row %q %v", got, f.Fields[1].At(0))
	}
	if len(f.Meta.Notices) != 1 || !strings.HasPrefix(f.Meta.Notices[0].Text, "15 of 16 threads (94%) have no creation stack") {
		t.Errorf("notices %v", f.Meta.Notices)
	}
}

func TestHumanValue(t *testing.T) {
	for _, c := range []struct {
		v    int64
		unit string
		want string
	}{
		{1210360000, "nanoseconds", "1.21s"},
		{999, "nanoseconds", "999ns"},
		{3 << 20, "bytes", "3 MiB"},
		{1536, "bytes", "1.5 KiB"},
		{1023, "bytes", "1023 B"},
		{42, "count", "42"},
		{7, "contentions", "7 contentions"},
	} {
		if got := humanValue(c.v, c.unit); got != c.want {
			t.Errorf("humanValue(%d, %q) = %q, want %q", c.v, c.unit, got, c.want)
		}
	}
}

func TestLabelSeriesAndNumbers(t *testing.T) {
	totals, err := profiles.LabelCounts(loadProfile(t, "goroutine.pb.gz"), profiles.Options{GroupBy: "handler"})
	if err != nil {
		t.Fatal(err)
	}
	series := LabelSeries(totals, testOrigin)
	if len(series) != 3 {
		t.Fatalf("%d series", len(series))
	}
	byHandler := map[string]float64{}
	for _, f := range series {
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Fields[0].Type() != data.FieldTypeTime {
			t.Fatalf("frame %s: type %s, first field %s", f.Name, f.Meta.Type, f.Fields[0].Type())
		}
		if !f.Fields[0].At(0).(time.Time).Equal(testOrigin.CapturedAt) {
			t.Errorf("time %v", f.Fields[0].At(0))
		}
		v := f.Fields[1]
		if v.Name != "goroutine" || v.Labels["target"] != "api-1" || v.Config.Unit != "short" {
			t.Errorf("value field %s %v %+v", v.Name, v.Labels, v.Config)
		}
		byHandler[v.Labels["handler"]] = v.At(0).(float64)
	}
	if byHandler["/api/orders"] != 30 || byHandler["/api/users"] != 20 {
		t.Errorf("series %v", byHandler)
	}
	numbers := LabelNumbers(totals, testOrigin)
	if len(numbers) != 3 || numbers[0].Meta.Type != data.FrameTypeNumericMulti {
		t.Errorf("numbers %v", numbers)
	}
}
