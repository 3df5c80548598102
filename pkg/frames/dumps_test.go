package frames

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
)

var testEntries = []dumps.Entry{
	{
		ID: "dir:holmes:goroutine.20261121103015.123.log", Source: "dir:holmes", Name: "goroutine.20261121103015.123.log",
		Format: dumpformat.GoroutineDebug1, FormatDescription: dumpformat.GoroutineDebug1.Description(), Profile: "goroutine",
		Detail: "goroutine profile: total 246", Size: 5852, CapturedFrom: dumps.CapturedFromName,
		CapturedAt: time.Date(2026, 11, 21, 10, 30, 15, 123e6, time.UTC),
	},
	{
		ID: "3f2a", Source: "upload", Name: "crash.txt", Format: dumpformat.CrashText,
		FormatDescription: dumpformat.CrashText.Description(), Profile: "goroutine", Size: 1372,
		CapturedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC), CapturedFrom: dumps.CapturedFromUpload,
		Uploader: "alice", UploadedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC),
	},
	{ID: "dir:holmes", Source: "dir:holmes", Format: dumpformat.Unknown, Error: "cannot open the directory: permission denied"},
}

func TestDumpTable(t *testing.T) {
	f := DumpTable(testEntries)
	if rows, err := f.RowLen(); err != nil || rows != 3 {
		t.Fatalf("rows = %d, %v", rows, err)
	}
	fields := map[string]*data.Field{}
	for _, field := range f.Fields {
		fields[field.Name] = field
	}
	if got := fields["value"].At(0); got != testEntries[0].ID {
		t.Errorf("value = %v", got)
	}
	if got := fields["text"].At(0); got != "goroutine.20261121103015.123.log (2026-11-21 10:30:15Z)" {
		t.Errorf("text = %v", got)
	}
	if got := fields["text"].At(2); got != "dir:holmes" {
		t.Errorf("text of an entry without name = %v", got)
	}
	if got := fields["capturedAt"].At(2).(*time.Time); got != nil {
		t.Errorf("missing capture time = %v, want null", got)
	}
	if got := fields["uploader"].At(1); got != "alice" {
		t.Errorf("uploader = %v", got)
	}
	if fields["size"].Config.Unit != "bytes" || fields["value"].Config.DisplayName != "ID" {
		t.Error("field config missing")
	}
	if got := fields["error"].At(2); got != testEntries[2].Error {
		t.Errorf("error = %v", got)
	}
	if f.Meta.PreferredVisualization != data.VisTypeTable {
		t.Error("table frame not marked as a table")
	}
	empty := DumpTable(nil)
	if rows, _ := empty.RowLen(); rows != 0 || len(empty.Meta.Notices) != 1 {
		t.Errorf("empty table: %d rows, notices %v", rows, empty.Meta.Notices)
	}
}

func TestDumpSources(t *testing.T) {
	f := DumpSources([]dumps.Source{{ID: "upload", Name: "uploads", Kind: "upload"}, {ID: "dir:holmes", Name: "holmes", Kind: "dir"}})
	if f.Fields[0].Name != "value" || f.Fields[1].Name != "text" || f.Fields[0].At(1) != "dir:holmes" || f.Fields[1].At(1) != "holmes" {
		t.Errorf("sources frame: %v", f.Fields)
	}
}

func TestCaptureAnnotations(t *testing.T) {
	f := CaptureAnnotations(testEntries)
	if rows, _ := f.RowLen(); rows != 2 {
		t.Fatalf("rows = %d; an entry without a capture time must be left out", rows)
	}
	names := []string{"time", "title", "text", "tags", "id"}
	for i, name := range names {
		if f.Fields[i].Name != name {
			t.Fatalf("field %d is %q, want %q", i, f.Fields[i].Name, name)
		}
	}
	if got := f.Fields[0].At(0).(time.Time); !got.Equal(testEntries[0].CapturedAt) {
		t.Errorf("time = %v", got)
	}
	if got := f.Fields[3].At(0); got != "dir:holmes,goroutine-debug1,goroutine" {
		t.Errorf("tags = %v", got)
	}
	if got := f.Fields[2].At(1); got != "crash or SIGQUIT output · 1.3 KiB · uploaded by alice · capture time from upload" {
		t.Errorf("text = %v", got)
	}
}

func TestSnapshotHistory(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 11, 21, 21, min, 0, 0, time.UTC) }
	state := func(s string, v float64) HistoryValue {
		return HistoryValue{Metric: "goroutines", Labels: map[string]string{"state": s}, Value: v}
	}
	origin := Origin{Name: "holmes", Kind: "dump"}
	frames := SnapshotHistory(origin, []HistoryPoint{
		{At: at(17), Values: []HistoryValue{state("chan receive", 120), state("semacquire", 902)}},
		{At: at(15), Values: []HistoryValue{state("sleep", 60)}},
		{At: at(16), Values: []HistoryValue{{Metric: "heap_inuse", Value: 1 << 20, Unit: "bytes"}}},
		{At: at(17), Values: []HistoryValue{state("chan receive", 121), state("semacquire", 902)}},
	})
	type point struct {
		t time.Time
		v float64
	}
	want := map[string][]point{
		"goroutines{dump=holmes, state=chan receive}": {{at(15), 0}, {at(17), 121}},
		"goroutines{dump=holmes, state=semacquire}":   {{at(15), 0}, {at(17), 902}},
		"goroutines{dump=holmes, state=sleep}":        {{at(15), 60}, {at(17), 0}},
		"heap_inuse{dump=holmes}":                     {{at(16), 1 << 20}},
	}
	if len(frames) != len(want) {
		t.Fatalf("%d frames, want %d", len(frames), len(want))
	}
	for _, f := range frames {
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Fields[0].Type() != data.FieldTypeTime {
			t.Errorf("%s: not a time series multi frame", f.Name)
		}
		value := f.Fields[1]
		key := value.Name + "{" + value.Labels.String() + "}"
		got := make([]point, f.Fields[0].Len())
		for i := range got {
			got[i] = point{f.Fields[0].At(i).(time.Time), value.At(i).(float64)}
		}
		w, ok := want[key]
		if !ok || len(got) != len(w) {
			t.Errorf("%s: %v, want %v", key, got, w)
			continue
		}
		for i := range w {
			if !got[i].t.Equal(w[i].t) || got[i].v != w[i].v {
				t.Errorf("%s: %v, want %v", key, got, w)
				break
			}
		}
		if value.Name == "heap_inuse" && (value.Config == nil || value.Config.Unit != "bytes") {
			t.Error("heap_inuse lost its unit")
		}
	}

	empty := SnapshotHistory(origin, nil)
	if len(empty) != 1 || empty[0].Meta == nil || len(empty[0].Meta.Notices) != 1 {
		t.Errorf("no points: %v", empty)
	}
}

func TestSnapshotHistoryMergesSnapshotsOfOneInstant(t *testing.T) {
	at := time.Date(2026, 11, 21, 21, 15, 42, 0, time.UTC)
	points := []HistoryPoint{
		{At: at, Values: []HistoryValue{{Metric: "goroutines", Value: 10}}},
		{At: at, Values: []HistoryValue{{Metric: "heap_inuse_bytes", Value: 4096}}},
		{At: at, Values: []HistoryValue{{Metric: "goroutines", Value: 12}}},
	}
	got := map[string]float64{}
	for _, f := range SnapshotHistory(Origin{Name: "holmes", Kind: "source"}, points) {
		if f.Rows() != 1 {
			t.Fatalf("%s has %d rows; want one merged instant", f.Name, f.Rows())
		}
		got[f.Fields[1].Name] = f.Fields[1].At(0).(float64)
	}
	if got["goroutines"] != 12 || got["heap_inuse_bytes"] != 4096 {
		t.Errorf("merged values = %v; want the later goroutine count and the heap figure", got)
	}
}

func TestSnapshotHistoryUnknownCategoriesAreNull(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 11, 21, 21, m, 0, 0, time.UTC) }
	cat := func(c string, v float64) HistoryValue {
		return HistoryValue{Metric: "goroutines", Labels: map[string]string{"category": c}, Value: v}
	}
	points := []HistoryPoint{
		// A debug=1 profile: the total only.
		{At: at(15), Values: []HistoryValue{cat("all", 246)}, Unknown: []string{"goroutines"}},
		// A debug=2 dump: the total and the categories it saw.
		{At: at(20), Values: []HistoryValue{cat("all", 2345), cat("channel", 601)}},
		// An index page and a debug=2 dump at one instant: the dump's
		// complete counts win over the page's total.
		{At: at(25), Values: []HistoryValue{cat("all", 2400), cat("channel", 650)}},
		{At: at(25), Values: []HistoryValue{cat("all", 2401)}, Unknown: []string{"goroutines"}},
	}
	got := map[string]string{}
	for _, f := range SnapshotHistory(Origin{Name: "holmes", Kind: "source"}, points) {
		v := f.Fields[1]
		var vals []string
		for i := range v.Len() {
			switch x := v.At(i).(type) {
			case float64:
				vals = append(vals, fmt.Sprint(x))
			case *float64:
				if x == nil {
					vals = append(vals, "null")
				} else {
					vals = append(vals, fmt.Sprint(*x))
				}
			}
		}
		got[v.Labels["category"]] = strings.Join(vals, " ")
	}
	want := map[string]string{"all": "246 2345 2400", "channel": "null 601 650"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("category %s: %s; want %s", k, got[k], w)
		}
	}
}
