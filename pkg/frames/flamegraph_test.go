package frames

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/profiles"
)

func loadProfile(t *testing.T, name string) *profile.Profile {
	t.Helper()
	b, err := os.ReadFile("../profiles/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p, err := profiles.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func buildTree(t *testing.T, name string, opts profiles.Options) *profiles.CallTree {
	t.Helper()
	tree, err := profiles.Tree(loadProfile(t, name), opts)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

var testOrigin = Origin{Name: "api-1", Kind: "target", Labels: map[string]string{"env": "test"}, CapturedAt: time.Unix(1700000000, 0)}

func TestFlameGraphFrame(t *testing.T) {
	tree := buildTree(t, "heap.pb.gz", profiles.Options{})
	f := FlameGraph(tree, testOrigin)
	if err := CheckFlameGraph(f); err != nil {
		t.Fatal(err)
	}
	if f.Meta.PreferredVisualization != data.VisTypeFlameGraph || len(f.Fields) != 4 {
		t.Fatalf("meta %+v, %d fields", f.Meta, len(f.Fields))
	}
	for i, want := range []struct {
		name string
		typ  data.FieldType
	}{{"level", data.FieldTypeInt64}, {"value", data.FieldTypeInt64}, {"self", data.FieldTypeInt64}, {"label", data.FieldTypeEnum}} {
		if f.Fields[i].Name != want.name || f.Fields[i].Type() != want.typ {
			t.Errorf("field %d is %s %s, want %s %s", i, f.Fields[i].Name, f.Fields[i].Type(), want.name, want.typ)
		}
	}
	if f.Fields[1].Config.Unit != "bytes" || f.Fields[2].Config.Unit != "bytes" {
		t.Errorf("units %q %q", f.Fields[1].Config.Unit, f.Fields[2].Config.Unit)
	}
	if f.Fields[1].Labels["target"] != "api-1" || f.Fields[1].Labels["env"] != "test" {
		t.Errorf("value labels %v", f.Fields[1].Labels)
	}
	if f.Fields[1].At(0).(int64) != tree.Total() || f.Fields[3].Config.TypeConfig.Enum.Text[f.Fields[3].At(0).(data.EnumItemIndex)] != "total" {
		t.Error("row 0 is not the total")
	}
	if len(f.Meta.Notices) != 0 {
		t.Errorf("notices %v on a complete tree", f.Meta.Notices)
	}
}

func TestFlameGraphUnits(t *testing.T) {
	for file, want := range map[string]string{"cpu.pb.gz": "ns", "goroutine.pb.gz": "short", "block.pb.gz": "ns", "allocs.pb.gz": "bytes"} {
		p := loadProfile(t, file)
		tree, err := profiles.Tree(p, profiles.Options{SampleType: profiles.DefaultSampleType(strings.TrimSuffix(file, ".pb.gz"), p)})
		if err != nil {
			t.Fatal(err)
		}
		f := FlameGraph(tree, testOrigin)
		if err := CheckFlameGraph(f); err != nil {
			t.Fatal(err)
		}
		if got := f.Fields[1].Config.Unit; got != want {
			t.Errorf("%s: unit %q, want %q", file, got, want)
		}
	}
}

func TestFlameGraphTruncationNotice(t *testing.T) {
	tree := buildTree(t, "cpu.pb.gz", profiles.Options{MaxNodes: 40})
	f := FlameGraph(tree, testOrigin)
	if err := CheckFlameGraph(f); err != nil {
		t.Fatal(err)
	}
	if f.Rows() > 40 || len(f.Meta.Notices) != 1 || !strings.Contains(f.Meta.Notices[0].Text, `"other"`) {
		t.Errorf("%d rows, notices %v", f.Rows(), f.Meta.Notices)
	}
	if f.Meta.Custom.(map[string]any)["truncated"] != true {
		t.Error("custom meta does not say truncated")
	}
}

func TestFlameGraphDiffFrame(t *testing.T) {
	left, right := loadProfile(t, "go1.27/goroutine.pb.gz"), loadProfile(t, "goroutine.pb.gz")
	tree, err := profiles.Diff(left, right, profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := FlameGraphDiff(tree, Origin{Name: "before", Kind: "dump"}, Origin{Name: "api-1"})
	if err := CheckFlameGraph(f); err != nil {
		t.Fatal(err)
	}
	if len(f.Fields) != 6 || f.Fields[4].Name != "valueRight" || f.Fields[5].Name != "selfRight" {
		t.Fatalf("fields %v", f.Fields)
	}
	if f.Fields[1].Labels["dump"] != "before" || f.Fields[4].Labels["target"] != "api-1" {
		t.Errorf("labels %v / %v", f.Fields[1].Labels, f.Fields[4].Labels)
	}
	if f.Fields[1].At(0).(int64) != 18 || f.Fields[4].At(0).(int64) != tree.TotalRight() {
		t.Errorf("root %v / %v", f.Fields[1].At(0), f.Fields[4].At(0))
	}
}

// TestFlameGraphJSONRoundTrip checks the frame as Grafana receives it: the
// SDK's JSON encoding, read back, still follows every rule.
func TestFlameGraphJSONRoundTrip(t *testing.T) {
	f := FlameGraph(buildTree(t, "goroutine.pb.gz", profiles.Options{GroupBy: "handler"}), testOrigin)
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var back data.Frame
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := CheckFlameGraph(&back); err != nil {
		t.Fatal(err)
	}
	if back.Rows() != f.Rows() || !strings.Contains(string(b), `"preferredVisualisationType":"flamegraph"`) {
		t.Errorf("%d rows back of %d; json %.200s", back.Rows(), f.Rows(), b)
	}
}

// TestCheckFlameGraphFindsBrokenFrames breaks a good frame one rule at a
// time: the checker must notice each.
func TestCheckFlameGraphFindsBrokenFrames(t *testing.T) {
	good := func() *data.Frame {
		return FlameGraph(buildTree(t, "goroutineleak.pb.gz", profiles.Options{}), testOrigin)
	}
	setInt := func(f *data.Frame, field string, row int, v int64) {
		fld, _ := f.FieldByName(field)
		fld.Set(row, v)
	}
	for name, breakIt := range map[string]func(f *data.Frame){
		"no meta":          func(f *data.Frame) { f.Meta = nil },
		"no unit":          func(f *data.Frame) { f.Fields[1].Config = nil },
		"value off by one": func(f *data.Frame) { setInt(f, "value", 1, f.Fields[1].At(1).(int64)+1) },
		"self off by one":  func(f *data.Frame) { setInt(f, "self", 0, 1) },
		"second root":      func(f *data.Frame) { setInt(f, "level", 1, 0) },
		"level jump":       func(f *data.Frame) { setInt(f, "level", 2, 5) },
		"root not first":   func(f *data.Frame) { setInt(f, "level", 0, 1) },
		"unsorted siblings": func(f *data.Frame) {
			labels := f.Fields[3].Config.TypeConfig.Enum.Text
			for i, l := range labels {
				labels[i] = strings.Repeat("z", len(labels)-i) + l
			}
		},
		"missing self": func(f *data.Frame) { f.Fields = append(f.Fields[:2], f.Fields[3:]...) },
		"float level":  func(f *data.Frame) { f.Fields[0] = data.NewField("level", nil, make([]float64, f.Rows())) },
		"half a diff": func(f *data.Frame) {
			f.Fields = append(f.Fields, data.NewField("valueRight", nil, make([]int64, f.Rows())))
		},
		"no enum texts":     func(f *data.Frame) { f.Fields[3].Config = nil },
		"different lengths": func(f *data.Frame) { f.Fields[2].Extend(1) },
		"no rows": func(f *data.Frame) {
			*f = *data.NewFrame("x", data.NewField("level", nil, []int64{}), data.NewField("value", nil, []int64{}), data.NewField("self", nil, []int64{}), data.NewField("label", nil, []string{}))
		},
	} {
		f := good()
		if err := CheckFlameGraph(f); err != nil {
			t.Fatalf("the good frame fails: %v", err)
		}
		breakIt(f)
		if err := CheckFlameGraph(f); err == nil {
			t.Errorf("%s: not detected", name)
		}
	}
}

// TestCheckFlameGraphFindsWrongValues breaks the value rules while the
// sums still hold: a negative leaf, and a diff with the comparison added
// into value, which Grafana's flame graph would count twice.
func TestCheckFlameGraphFindsWrongValues(t *testing.T) {
	tree, err := profiles.Diff(loadProfile(t, "go1.27/goroutine.pb.gz"), loadProfile(t, "goroutine.pb.gz"), profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	column := func(f *data.Frame, name string) *data.Field {
		fld, _ := f.FieldByName(name)
		return fld
	}
	for name, breakIt := range map[string]func(f *data.Frame){
		// The last row is a leaf: lower it and its ancestors by more than
		// its value, so it turns negative and every sum still holds.
		"negative leaf": func(f *data.Frame) {
			level, value, self := column(f, "level"), column(f, "value"), column(f, "self")
			last := f.Rows() - 1
			by := value.At(last).(int64) + 1
			self.Set(last, self.At(last).(int64)-by)
			for i, lv := last, level.At(last).(int64)+1; i >= 0; i-- {
				if l := level.At(i).(int64); l < lv {
					value.Set(i, value.At(i).(int64)-by)
					lv = l
				}
			}
		},
		"comparison summed into value": func(f *data.Frame) {
			for _, pair := range [][2]string{{"value", "valueRight"}, {"self", "selfRight"}} {
				left, right := column(f, pair[0]), column(f, pair[1])
				for i := range f.Rows() {
					left.Set(i, left.At(i).(int64)+right.At(i).(int64))
				}
			}
		},
		"totalRight not the root's": func(f *data.Frame) { f.Meta.Custom.(map[string]any)["totalRight"] = int64(1) },
	} {
		f := FlameGraphDiff(tree, testOrigin, testOrigin)
		if err := CheckFlameGraph(f); err != nil {
			t.Fatalf("the good frame fails: %v", err)
		}
		breakIt(f)
		if err := CheckFlameGraph(f); err == nil {
			t.Errorf("%s: not detected", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

// TestFlameGraphStacklessNotice: most threads of a real Go 1.26
// threadcreate profile have no creation stack; the frame says how many and
// why, once per side of a diff.
func TestFlameGraphStacklessNotice(t *testing.T) {
	p := loadProfile(t, "threadcreate/go1.26/threadcreate.pb.gz")
	tree, err := profiles.Tree(p, profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := FlameGraph(tree, testOrigin)
	if err := CheckFlameGraph(f); err != nil {
		t.Fatal(err)
	}
	if len(f.Meta.Notices) != 1 || !strings.Contains(f.Meta.Notices[0].Text, "15 of 16 threads (94%) have no creation stack") ||
		!strings.Contains(f.Meta.Notices[0].Text, "golang.org/issue/6104") {
		t.Errorf("notices %v", f.Meta.Notices)
	}
	if got := f.Meta.Custom.(map[string]any)["unrecorded"]; got != int64(15) {
		t.Errorf("meta unrecorded = %v", got)
	}
	diff, err := profiles.Diff(loadProfile(t, "threadcreate/go1.19/threadcreate.debug1.txt"), p, profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f = FlameGraphDiff(diff, testOrigin, testOrigin)
	if err := CheckFlameGraph(f); err != nil {
		t.Fatal(err)
	}
	if len(f.Meta.Notices) != 2 || !strings.HasPrefix(f.Meta.Notices[0].Text, "Baseline: 15 of 16") ||
		!strings.HasPrefix(f.Meta.Notices[1].Text, "Comparison: 15 of 16") {
		t.Errorf("diff notices %v", f.Meta.Notices)
	}
}
