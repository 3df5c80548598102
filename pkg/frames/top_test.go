package frames

import (
	"math"
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
