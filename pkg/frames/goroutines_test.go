package frames

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/waitstates"
)

var goroutineTestOrigin = Origin{Name: "api-1", Kind: "target", Labels: map[string]string{"env": "prod"},
	CapturedAt: time.Date(2026, 11, 21, 21, 21, 23, 0, time.UTC)}

func loadGoroutineDump(t *testing.T, name string) *goroutines.Snapshot {
	t.Helper()
	path := filepath.Join("..", "goroutines", "testdata", name)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		data, err = os.ReadFile(path + ".gz")
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := goroutines.Parse(data, dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const (
	goroutineScenarioDebug2 = "corpus/go1.19-scenario-x3/goroutine.debug2.txt"
	goroutineScenarioDebug1 = "corpus/go1.19-scenario-x3/goroutine.debug1.txt"
)

// checkFrame fails when a frame's fields differ in length or it does not
// survive JSON encoding, as Grafana would receive it.
func checkGoroutineFrame(t *testing.T, f *data.Frame) {
	t.Helper()
	if _, err := f.RowLen(); err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
	if _, err := json.Marshal(f); err != nil {
		t.Fatalf("%s: %v", f.Name, err)
	}
}

func noticeText(f *data.Frame) string {
	if f.Meta == nil {
		return ""
	}
	var out []string
	for _, n := range f.Meta.Notices {
		out = append(out, n.Text)
	}
	return strings.Join(out, "\n")
}

func TestGoroutineCount(t *testing.T) {
	s := loadGoroutineDump(t, goroutineScenarioDebug2)
	c, err := stackgroups.Count(s, stackgroups.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	frames := GoroutineCount(goroutineTestOrigin, s, c, true, true)
	if len(frames) != 1+len(waitstates.Categories()) {
		t.Fatalf("%d frames", len(frames))
	}
	seen := map[string]float64{}
	for _, f := range frames {
		checkGoroutineFrame(t, f)
		if f.Meta.Type != data.FrameTypeNumericMulti || len(f.Fields) != 1 || f.Rows() != 1 {
			t.Fatalf("frame %s: %v, %d fields, %d rows", f.Name, f.Meta.Type, len(f.Fields), f.Rows())
		}
		v := f.Fields[0]
		if v.Labels["target"] != "api-1" || v.Labels["env"] != "prod" {
			t.Errorf("labels %v", v.Labels)
		}
		seen[v.Labels["category"]] = v.At(0).(float64)
	}
	if seen["all"] != 2345 || seen["lock"] != 1007 || seen["unknown"] != 0 {
		t.Errorf("values %v", seen)
	}
	if _, ok := seen["runtime"]; !ok {
		t.Error("empty categories must still be there")
	}
	if n := len(GoroutineCount(goroutineTestOrigin, s, c, false, true)); n != 1 {
		t.Errorf("total only: %d frames", n)
	}
	categories := GoroutineCount(goroutineTestOrigin, s, c, true, false)
	if len(categories) != len(waitstates.Categories()) || categories[0].Fields[0].Labels["category"] == CategoryAll {
		t.Errorf("categories without the total: %d frames, the first %v", len(categories), categories[0].Fields[0].Labels)
	}

	d1 := loadGoroutineDump(t, goroutineScenarioDebug1)
	c1, _ := stackgroups.Count(d1, stackgroups.Filter{})
	frames = GoroutineCount(goroutineTestOrigin, d1, c1, true, false)
	if len(frames) != 1 || frames[0].Fields[0].At(0).(float64) != 2345 || !strings.Contains(noticeText(frames[0]), "no goroutine states") {
		t.Errorf("debug=1, without states, keeps the total: %d frames, notices %q", len(frames), noticeText(frames[0]))
	}
}

func TestGoroutineStates(t *testing.T) {
	s := loadGoroutineDump(t, goroutineScenarioDebug2)
	stats, _ := stackgroups.States(s, stackgroups.Filter{})
	f := GoroutineStates(goroutineTestOrigin, s, stats)
	checkGoroutineFrame(t, f)
	if f.Rows() != len(stats) || f.Fields[0].Name != "State" {
		t.Fatalf("%d rows", f.Rows())
	}
	if w := f.Fields[6].At(0).(*float64); w == nil || *w != 3 || f.Fields[6].Config.Unit != "m" {
		t.Errorf("max wait %v", w)
	}

	d1 := loadGoroutineDump(t, goroutineScenarioDebug1)
	stats, _ = stackgroups.States(d1, stackgroups.Filter{})
	f = GoroutineStates(goroutineTestOrigin, d1, stats)
	checkGoroutineFrame(t, f)
	if f.Rows() != 1 || f.Fields[0].At(0) != "unknown" || f.Fields[6].At(0).(*float64) != nil {
		t.Errorf("debug=1 states: %v rows", f.Rows())
	}
}

func TestGoroutineGroups(t *testing.T) {
	s := loadGoroutineDump(t, "go1.27/crash.panic-all.txt")
	groups, _ := stackgroups.Groups(s, stackgroups.Filter{})
	f := GoroutineGroups(goroutineTestOrigin, s, groups)
	checkGoroutineFrame(t, f)
	if f.Rows() != len(groups) {
		t.Fatalf("%d rows for %d groups", f.Rows(), len(groups))
	}
	byName := map[string]*data.Field{}
	for _, field := range f.Fields {
		byName[field.Name] = field
	}
	stack := byName["Stack"].At(0).(string)
	if !strings.Contains(stack, "main.main\n\t") || byName["Flags"].At(0) != "crashed here" {
		t.Errorf("first row: stack %q, flags %q", stack, byName["Flags"].At(0))
	}
	if !strings.Contains(noticeText(f), "Crash: panic: generator: planned panic") {
		t.Errorf("notices %q", noticeText(f))
	}
	found := false
	for i := 0; i < f.Rows(); i++ {
		if strings.Contains(byName["Labels"].At(i).(string), "tenant id=x y (2)") {
			found = true
		}
	}
	if !found {
		t.Error("labels column lacks the labelled group")
	}
}

func TestGoroutineTimeline(t *testing.T) {
	s := loadGoroutineDump(t, goroutineScenarioDebug2)
	tl, _ := stackgroups.BuildTimeline(s, stackgroups.Filter{}, goroutineTestOrigin.CapturedAt)
	frames := GoroutineTimeline(goroutineTestOrigin, s, tl)
	if len(frames) != 2*len(tl.Series) {
		t.Fatalf("%d frames for %d series", len(frames), len(tl.Series))
	}
	for _, f := range frames {
		checkGoroutineFrame(t, f)
		if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Fields[0].Type() != data.FieldTypeTime || f.Fields[1].Labels["category"] == "" {
			t.Errorf("frame %s: %v %v", f.Name, f.Meta.Type, f.Fields[0].Type())
		}
		if f.Fields[0].At(f.Rows()-1).(time.Time) != goroutineTestOrigin.CapturedAt {
			t.Error("last point is not the capture time")
		}
	}
	d1 := loadGoroutineDump(t, goroutineScenarioDebug1)
	tl, _ = stackgroups.BuildTimeline(d1, stackgroups.Filter{}, goroutineTestOrigin.CapturedAt)
	frames = GoroutineTimeline(goroutineTestOrigin, d1, tl)
	if len(frames) != 1 || frames[0].Rows() != 0 || !strings.Contains(noticeText(frames[0]), "no goroutine states") {
		t.Errorf("debug=1 timeline: %d frames", len(frames))
	}
}

func TestGoroutineLeaks(t *testing.T) {
	s := loadGoroutineDump(t, goroutineScenarioDebug2)
	groups, _ := stackgroups.Groups(s, stackgroups.Filter{})
	suspects := stackgroups.Leaks(groups)
	f := GoroutineLeaks(goroutineTestOrigin, s, suspects)
	checkGoroutineFrame(t, f)
	if f.Rows() != len(suspects) || f.Fields[1].Name != "Score" {
		t.Fatalf("%d rows", f.Rows())
	}
	if reasons := f.Fields[2].At(0).(string); strings.Count(reasons, "\n") < 3 {
		t.Errorf("reasons %q", reasons)
	}
	d1 := loadGoroutineDump(t, goroutineScenarioDebug1)
	groups, _ = stackgroups.Groups(d1, stackgroups.Filter{})
	f = GoroutineLeaks(goroutineTestOrigin, d1, stackgroups.Leaks(groups))
	checkGoroutineFrame(t, f)
	if f.Rows() != 0 || !strings.Contains(noticeText(f), "states and wait times") {
		t.Errorf("debug=1 leaks: %d rows, %q", f.Rows(), noticeText(f))
	}
}

func TestGoroutineRaces(t *testing.T) {
	s := loadGoroutineDump(t, "crashlogs/race.gotest.txt")
	f := GoroutineRaces(goroutineTestOrigin, s)
	checkGoroutineFrame(t, f)
	// Three races, each with two accesses and two goroutine creations.
	if f.Rows() != 12 {
		t.Fatalf("%d rows, want 12", f.Rows())
	}
	row := func(i int) string {
		var cells []string
		for _, field := range f.Fields[:6] {
			cells = append(cells, fmt.Sprint(field.At(i)))
		}
		return strings.Join(cells, " | ")
	}
	want := []string{
		"1 | TestCounter | Read | 0x00c000094198 | 8 | running",
		"1 | TestCounter | Previous write | 0x00c000094198 | 9 | finished",
		"1 | TestCounter | Goroutine 8 created at |  | 8 | running",
		"1 | TestCounter | Goroutine 9 created at |  | 9 | finished",
		"2 | TestMap | Write | 0x00c000108150 | 12 | running",
	}
	for i, w := range want {
		if got := row(i); got != w {
			t.Errorf("row %d: %s\nwant   %s", i, got, w)
		}
	}
	if stack := f.Fields[6].At(0).(string); !strings.Contains(stack, "racy.TestCounter.func1") {
		t.Errorf("first access stack %q", stack)
	}
	if created := f.Fields[6].At(2).(string); !strings.Contains(created, "racy.TestCounter") || !strings.Contains(created, "testing.tRunner") {
		t.Errorf("creation stack %q", created)
	}

	main := GoroutineRaces(goroutineTestOrigin, loadGoroutineDump(t, "crashlogs/race.gorun.txt"))
	if main.Fields[5].At(1) != "main goroutine" || main.Fields[4].At(1) != int64(1) {
		t.Errorf("previous access by %v (%v), want the main goroutine", main.Fields[4].At(1), main.Fields[5].At(1))
	}

	empty := GoroutineRaces(goroutineTestOrigin, loadGoroutineDump(t, goroutineScenarioDebug1))
	checkGoroutineFrame(t, empty)
	if empty.Rows() != 0 || !strings.Contains(noticeText(empty), "No data race report") {
		t.Errorf("%d rows, %q", empty.Rows(), noticeText(empty))
	}
}
