package stackgroups

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/waitstates"
)

// The dumps are the goroutines package's real test dumps.
func load(t testing.TB, name string) *goroutines.Snapshot {
	t.Helper()
	return loadFile(t, filepath.Join("..", "goroutines", "testdata", name))
}

// loadFile parses a dump, or its gzipped copy.
func loadFile(t testing.TB, path string) *goroutines.Snapshot {
	t.Helper()
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

// scenario is a Go 1.19 process with known counts (see its README.md).
const scenario = "corpus/go1.19-scenario-x3/goroutine.debug2.txt"

var scenarioCaptured = time.Date(2026, 11, 21, 21, 21, 23, 0, time.UTC)

func TestGroupsScenario(t *testing.T) {
	s := load(t, scenario)
	groups, err := Groups(s, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, g := range groups {
		total += g.Count
		if len(g.IDs) != g.Count {
			t.Errorf("group %s: %d ids for %d goroutines", g.UserFrame.Func, len(g.IDs), g.Count)
		}
	}
	if total != 2345 {
		t.Errorf("groups hold %d goroutines, want 2345", total)
	}
	first := groups[0]
	if first.UserFrame.Func != "main.blockedOnMutex.func1" || first.Count != 900 || first.Category != waitstates.Lock ||
		first.Package != "main" || first.CreatedBy != "main.blockedOnMutex" || first.UserFrameIndex != 3 {
		t.Errorf("first group %+v", first)
	}
	for i := 1; i < len(groups); i++ {
		if !groups[i-1].System && groups[i].System {
			continue
		}
		if groups[i-1].System == groups[i].System && groups[i-1].Count < groups[i].Count {
			t.Errorf("group %d (%d) before a larger one (%d)", i-1, groups[i-1].Count, groups[i].Count)
		}
	}
	// The leak stage ran twice: two piles with one stack, different waits.
	for _, g := range groups {
		if g.UserFrame.Func == "main.leak.func1" && (g.Count != 240 || g.WaitMin >= g.WaitMax) {
			t.Errorf("leak group: %d goroutines waiting %d to %d minutes", g.Count, g.WaitMin, g.WaitMax)
		}
	}
}

func TestGroupsCrashFirst(t *testing.T) {
	s := load(t, "go1.27/crash.panic-system.txt")
	groups, err := Groups(s, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if !groups[0].Crashed || groups[0].IDs[0] != 1 || groups[0].Category != waitstates.Running {
		t.Errorf("first group %+v", groups[0])
	}
	if last := groups[len(groups)-1]; !last.System {
		t.Errorf("last group is not a runtime one: %+v", last)
	}
	// A dump on SIGQUIT has no crashed goroutine: the first one printed was
	// only running.
	groups, _ = Groups(load(t, "corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt"), Filter{})
	for _, g := range groups {
		if g.Crashed {
			t.Errorf("crashed group in a SIGQUIT dump: %+v", g.UserFrame)
		}
	}
	if groups[0].UserFrame.Func != "main.blockedOnMutex.func1" {
		t.Errorf("first group %s", groups[0].UserFrame.Func)
	}
}

func countKept(t *testing.T, s *goroutines.Snapshot, f Filter) int {
	t.Helper()
	c, err := Count(s, f)
	if err != nil {
		t.Fatal(err)
	}
	return c.Total
}

func TestFilters(t *testing.T) {
	s := load(t, scenario)
	cases := []struct {
		name string
		f    Filter
		want int
	}{
		{"all", Filter{}, 2345},
		{"category", Filter{States: []string{"lock"}}, 1007},
		{"category title", Filter{States: []string{"Network/IO wait"}}, 182},
		{"raw state", Filter{States: []string{"semacquire"}}, 1052},
		{"raw states", Filter{States: []string{"chan send", "Chan Receive"}}, 601},
		{"include function", Filter{Include: `main\.leak`}, 240},
		{"include file", Filter{Include: `netpoll\.go`}, 182},
		{"include package", Filter{Include: `^internal/poll$`}, 182},
		{"exclude", Filter{Exclude: `^sync`}, 2345 - 1052 - 75},
		{"created by", Filter{ExcludeCreatedBy: `^main\.(leak|chanSend)$`}, 2345 - 600},
		{"min wait", Filter{MinWaitMinutes: 5}, 60 + 181}, // the first stage: sleepers and network
		{"hide system", Filter{HideSystem: true}, 2345},
		{"combined", Filter{States: []string{"channel"}, MinWaitMinutes: 4}, 120},
	}
	for _, c := range cases {
		if got := countKept(t, s, c.f); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
	sys := load(t, "corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt")
	if got := countKept(t, sys, Filter{HideSystem: true}); got != 2343 {
		t.Errorf("sigquit without runtime goroutines: %d, want 2343", got)
	}
	for _, bad := range []Filter{{Include: "("}, {Exclude: "["}, {ExcludeCreatedBy: "*"}} {
		if _, err := Groups(s, bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// A real Go 1.27 dump holds one goroutine locked to its thread, in a
// select without cases; the other 17 are not locked.
func TestLockedToThreadFilter(t *testing.T) {
	s := load(t, "corpus/go1.27-samples/pprof-http/goroutine_debug_2.txt")
	cases := []struct {
		name string
		f    Filter
		want int
	}{
		{"locked", Filter{LockedToThread: true}, 1},
		{"locked, outside syscalls", Filter{LockedToThread: true, States: []string{"select", "channel", "lock", "sync", "io", "sleep", "running", "runnable", "runtime", "other"}}, 1},
		{"locked, in syscalls", Filter{LockedToThread: true, States: []string{"syscall"}}, 0},
		{"not filtered", Filter{}, 18},
	}
	for _, c := range cases {
		if got := countKept(t, s, c.f); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

func TestFiltersWithoutStates(t *testing.T) {
	s := load(t, "corpus/go1.19-scenario-x3/goroutine.debug1.txt")
	f := Filter{States: []string{"lock"}, MinWaitMinutes: 3, Include: `main\.leak`, LockedToThread: true}
	if got := countKept(t, s, f); got != 240 {
		t.Errorf("debug=1: %d, want 240 (state, wait and locked filters cannot apply)", got)
	}
	if notes := f.Ignored(s); len(notes) != 3 {
		t.Errorf("ignored %q", notes)
	}
	if notes := f.Ignored(load(t, scenario)); notes != nil {
		t.Errorf("ignored %q on debug=2", notes)
	}
	groups, err := Groups(s, Filter{})
	if err != nil || len(groups) != 19 || groups[0].Count != 900 || groups[0].Category != waitstates.Unknown {
		t.Errorf("%d groups, %v", len(groups), err)
	}
	for _, g := range groups {
		if len(g.IDs) != 0 {
			t.Errorf("ids %v in a format without them", g.IDs)
		}
	}
	c, _ := Count(s, Filter{})
	if c.Total != 2345 || c.StatesKnown || c.ByCategory != nil {
		t.Errorf("counts %+v", c)
	}
}

func TestStatesAndCategories(t *testing.T) {
	s := load(t, scenario)
	stats, err := States(s, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, st := range stats {
		sum += st.Share
		if st.WaitMin > int(st.WaitMedian) || int(math.Ceil(st.WaitMedian)) > st.WaitMax {
			t.Errorf("%s: waits %d %.1f %d", st.State, st.WaitMin, st.WaitMedian, st.WaitMax)
		}
	}
	if math.Abs(sum-1) > 1e-9 {
		t.Errorf("shares sum to %f", sum)
	}
	if stats[0].State != "semacquire" || stats[0].Count != 1007 || stats[0].Category != waitstates.Lock {
		t.Errorf("first state %+v", stats[0])
	}
	cats, err := Categories(s, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[waitstates.Category]int{waitstates.Lock: 1007, waitstates.Sync: 120, waitstates.Channel: 601, waitstates.Sleep: 60}
	for _, c := range cats {
		if n, ok := want[c.Category]; ok && n != c.Count {
			t.Errorf("%s: %d, want %d", c.Category, c.Count, n)
		}
		if c.Category == waitstates.Sleep && (c.WaitMin != 5 || c.WaitMedian != 5 || c.WaitMax != 5) {
			t.Errorf("sleep waits %+v", c)
		}
	}
	counts, _ := Count(s, Filter{})
	if counts.Total != 2345 || counts.ByCategory[waitstates.Lock] != 1007 || len(counts.ByCategory) != len(waitstates.Categories()) {
		t.Errorf("counts %+v", counts)
	}
}

func TestWaitsMedian(t *testing.T) {
	var w waits
	for _, m := range []int{1, 2, 3, 10} {
		w.add(m, 1)
	}
	if lo, med, hi := w.stats(); lo != 1 || med != 2.5 || hi != 10 {
		t.Errorf("%d %f %d", lo, med, hi)
	}
	w.add(7, 3)
	if _, med, _ := w.stats(); med != 7 {
		t.Errorf("median %f", med)
	}
}

func TestTimeline(t *testing.T) {
	s := load(t, scenario)
	tl, err := BuildTimeline(s, Filter{}, scenarioCaptured)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Times) != 6 || !tl.Times[5].Equal(scenarioCaptured) || !tl.Times[0].Equal(scenarioCaptured.Add(-5*time.Minute)) {
		t.Fatalf("times %v", tl.Times)
	}
	waiting := 0
	for _, series := range tl.Series {
		if series.Category == waitstates.Running || series.Category == waitstates.Runnable {
			t.Errorf("%s in the timeline", series.Category)
		}
		last := series.Cumulative[len(series.Cumulative)-1]
		var sum int64
		for _, v := range series.Started {
			sum += v
		}
		if sum != last {
			t.Errorf("%s: started sums to %d, cumulative ends at %d", series.Category, sum, last)
		}
		waiting += int(last)
		if series.Category == waitstates.Sleep && series.Started[0] != 60 {
			t.Errorf("sleepers started %v", series.Started)
		}
	}
	if waiting != 2343 {
		t.Errorf("%d waiting goroutines, want 2343 (all but the running and runnable one)", waiting)
	}
	empty, err := BuildTimeline(load(t, "corpus/go1.19-scenario-x3/goroutine.debug1.txt"), Filter{}, scenarioCaptured)
	if err != nil || len(empty.Series) != 0 {
		t.Errorf("debug=1 timeline %+v %v", empty, err)
	}
}

func TestLeaks(t *testing.T) {
	s := load(t, scenario)
	groups, _ := Groups(s, Filter{})
	suspects := Leaks(groups)
	if len(suspects) == 0 {
		t.Fatal("no suspects")
	}
	top := suspects[0]
	if top.Rank != 1 || top.Group.UserFrame.Func != "main.blockedOnMutex.func1" || len(top.Reasons) < 4 {
		t.Errorf("top suspect %+v", top)
	}
	for i, sp := range suspects {
		if i > 0 && sp.Score > suspects[i-1].Score {
			t.Error("not ordered by score")
		}
		switch sp.Group.Category {
		case waitstates.Lock, waitstates.Channel, waitstates.Select, waitstates.Sync:
		default:
			t.Errorf("suspect in category %s", sp.Group.Category)
		}
	}
	names := map[string]bool{}
	for _, sp := range suspects[:5] {
		names[sp.Group.UserFrame.Func] = true
	}
	for _, want := range []string{"main.blockedOnMutex.func1", "main.leak.func1", "main.chanSend.func1", "main.selects.func1"} {
		if !names[want] {
			t.Errorf("%s not among the top five suspects", want)
		}
	}
}

func TestLeaksReportedByTheRuntime(t *testing.T) {
	s := load(t, "corpus/go1.27-samples/pprof-http/goroutineleak_debug_1.txt")
	groups, _ := Groups(s, Filter{})
	suspects := Leaks(groups)
	if len(suspects) != len(groups) {
		t.Fatalf("%d suspects for %d leaked groups", len(suspects), len(groups))
	}
	if !strings.Contains(strings.Join(suspects[0].Reasons, "\n"), "reported") {
		t.Errorf("reasons %q", suspects[0].Reasons)
	}
	leaked := load(t, "corpus/go1.27-samples/pprof-http/goroutineleak_debug_2.txt")
	groups, _ = Groups(leaked, Filter{})
	top := Leaks(groups)[0]
	if top.Group.UserFrame.Func != "main.leaky.func1" || top.Group.Leaked != 4 {
		t.Errorf("top suspect %+v", top.Group)
	}
}

func TestScoreExamples(t *testing.T) {
	g := Group{Category: waitstates.Channel, States: []string{"chan receive"}, Count: 1, WaitMax: 1, UserFrameIndex: 0}
	if s, _ := score(g); s.Score != 2 {
		t.Errorf("one goroutine for a minute: %v", s.Score)
	}
	g = Group{Category: waitstates.Lock, States: []string{"sync.Mutex.Lock"}, Count: 1000, WaitMax: 60, UserFrameIndex: 2}
	if s, _ := score(g); math.Abs(s.Score-76) > 0.5 {
		t.Errorf("a thousand for an hour: %v", s.Score)
	}
	if _, ok := score(Group{Category: waitstates.Running, Count: 50}); ok {
		t.Error("running goroutines scored")
	}
	if _, ok := score(Group{Category: waitstates.Channel, Count: 50, System: true}); ok {
		t.Error("runtime goroutines scored")
	}
}

func TestNilSnapshot(t *testing.T) {
	if g, err := Groups(nil, Filter{}); err != nil || len(g) != 0 {
		t.Errorf("%v %v", g, err)
	}
	if c, err := Count(nil, Filter{}); err != nil || c.Total != 0 {
		t.Errorf("%v %v", c, err)
	}
}

// A dump claiming waits of millions of minutes gets a timeline of at most
// MaxTimelineBuckets buckets, wider than a minute, with every goroutine in it.
func TestTimelineOfHugeWaitsIsBounded(t *testing.T) {
	dump := []byte("goroutine 1 [chan receive, 9223372036854775807 minutes]:\nmain.main()\n\t/x/main.go:1 +0x1\n\n" +
		"goroutine 2 [chan receive, 20000 minutes]:\nmain.main()\n\t/x/main.go:1 +0x1\n\n" +
		"goroutine 3 [select, 3 minutes]:\nmain.main()\n\t/x/main.go:1 +0x1\n")
	snap, err := goroutines.Parse(dump, dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	tl, err := BuildTimeline(snap, Filter{}, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Times) > MaxTimelineBuckets || tl.Step <= time.Minute || !tl.Times[len(tl.Times)-1].Equal(at) {
		t.Fatalf("%d buckets of %v ending %v", len(tl.Times), tl.Step, tl.Times[len(tl.Times)-1])
	}
	var total int64
	for _, s := range tl.Series {
		total += s.Cumulative[len(s.Cumulative)-1]
	}
	if total != 3 {
		t.Errorf("the timeline holds %d goroutines; want 3", total)
	}
}
