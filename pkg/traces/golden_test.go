package traces

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/waitstates"
)

// goldenDirs are the traces of testdata/golden.sh, one per Go release.
var goldenDirs = []struct {
	dir    string
	format int
}{
	{"go1.22", 22}, {"go1.23", 23}, {"go1.25", 25}, {"go1.26", 26}, {"go1.27", 26}, {"go1.27-http", 26}, {"go1.26-long", 26},
}

func analyzeFile(t testing.TB, path string, opts Options) *Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := Analyze(f, opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return res
}

// stackValues maps a stack ("func file:line" per frame, innermost first)
// to its interval count and nanoseconds.
type stackValues map[string][2]int64

func referenceProfile(t *testing.T, path string) stackValues {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := stackValues{}
	for _, s := range p.Sample {
		var b strings.Builder
		for _, loc := range s.Location {
			for _, ln := range loc.Line {
				// an unsymbolized frame: pprof's encoding keeps it or
				// not, so neither side counts it
				if ln.Function != nil && (ln.Function.Name != "" || ln.Function.Filename != "") {
					fmt.Fprintf(&b, "%s %s:%d\n", ln.Function.Name, ln.Function.Filename, ln.Line)
				}
			}
		}
		v := out[b.String()]
		out[b.String()] = [2]int64{v[0] + s.Value[0], v[1] + s.Value[1]}
	}
	return out
}

func ourProfile(res *Result, k Kind) stackValues {
	out := stackValues{}
	for _, b := range res.Blocking[k] {
		var sb strings.Builder
		for _, f := range res.Stacks.Frames(b.Stack) {
			// an unsymbolized frame (see referenceProfile)
			if f.Function != "" || f.File != "" {
				fmt.Fprintf(&sb, "%s %s:%d\n", f.Function, f.File, f.Line)
			}
		}
		v := out[sb.String()]
		out[sb.String()] = [2]int64{v[0] + b.Count, v[1] + b.Nanos}
	}
	return out
}

func total(v stackValues) (n, ns int64) {
	for _, x := range v {
		n += x[0]
		ns += x[1]
	}
	return n, ns
}

// TestBlockingMatchesGoToolTrace compares every kind's profile, stack by
// stack, with `go tool trace -pprof` of the release that wrote the trace
// and of the newest release. TRACE_GOLDEN_DIRS (directories separated by
// the path list separator, each with trace.out and KIND.pb.gz made by
// testdata/compare.sh) adds traces of one's own; the writer's semantics
// apply to them, or the latest's with TRACE_REFERENCE=latest.
func TestBlockingMatchesGoToolTrace(t *testing.T) {
	type golden struct {
		dir, suffix string
		s           Semantics
		format      int
	}
	var cases []golden
	for _, gd := range goldenDirs {
		dir := filepath.Join("testdata", gd.dir)
		cases = append(cases, golden{dir, "", WriterSemantics, gd.format}, golden{dir, ".latest", LatestSemantics, gd.format})
	}
	if dirs := os.Getenv("TRACE_GOLDEN_DIRS"); dirs != "" {
		sem, err := ParseSemantics(os.Getenv("TRACE_REFERENCE"))
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range filepath.SplitList(dirs) {
			cases = append(cases, golden{dir: dir, s: sem})
		}
	}
	for _, c := range cases {
		t.Run(c.dir+c.suffix, func(t *testing.T) {
			res := analyzeFile(t, filepath.Join(c.dir, "trace.out"), Options{Semantics: c.s})
			if c.format != 0 && res.Format != c.format {
				t.Errorf("format = %d, want %d", res.Format, c.format)
			}
			for _, k := range Kinds() {
				want := referenceProfile(t, filepath.Join(c.dir, k.String()+c.suffix+".pb.gz"))
				got := ourProfile(res, k)
				wn, wns := total(want)
				gn, gns := total(got)
				if wn != gn || wns != gns {
					t.Errorf("%s: total %d intervals %d ns, go tool trace %d intervals %d ns", k, gn, gns, wn, wns)
				}
				if wn == 0 && k != Net && strings.Contains(c.dir, "testdata/go1.2") && !strings.HasSuffix(c.dir, "-http") {
					t.Errorf("%s: the reference profile is empty: the trace does not exercise it", k)
				}
				for key, w := range want {
					if g := got[key]; g != w {
						t.Errorf("%s: stack\n%s  got %v, go tool trace %v", k, key, g, w)
					}
				}
				for key, g := range got {
					if _, ok := want[key]; !ok {
						t.Errorf("%s: stack not in go tool trace's profile\n%s  got %v", k, key, g)
					}
				}
				t.Logf("%s: %d stacks, %d intervals, %d ns", k, len(want), wn, wns)
			}
		})
	}
}

// TestStatesMatchDump checks the goroutine states at the instant the
// program dumped its goroutines (the end of the stop-the-world the dump
// makes) against the dump: per goroutine and, for the goroutines a dump
// shows (not the runtime's), per category.
func TestStatesMatchDump(t *testing.T) {
	for _, gd := range goldenDirs {
		t.Run(gd.dir, func(t *testing.T) {
			dir := filepath.Join("testdata", gd.dir)
			data, err := os.ReadFile(filepath.Join(dir, "goroutines.txt"))
			if os.IsNotExist(err) {
				t.Skip("no dump beside this trace")
			}
			if err != nil {
				t.Fatal(err)
			}
			snap, err := goroutines.Parse(data, dumpformat.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			first := analyzeFile(t, filepath.Join(dir, "trace.out"), Options{})
			var instant int64 = -1
			for _, p := range first.Periods {
				if p.Text == "stop-the-world (all goroutines stack trace)" {
					// the world is stopped once the last P stops,
					// which on a loaded machine can be late: the
					// dump is written just before the world starts
					instant = p.End - 1
				}
			}
			if instant < 0 {
				t.Fatal("no stop-the-world of the dump in the trace")
			}
			ids := map[uint64]bool{}
			for _, g := range snap.Goroutines {
				ids[uint64(g.ID)] = true
			}
			res := analyzeFile(t, filepath.Join(dir, "trace.out"), Options{Instants: []int64{instant}, Timeline: ids})
			if len(res.At) != 1 {
				t.Fatalf("%d instants counted, want 1", len(res.At))
			}
			byID := map[uint64]*Timeline{}
			for i := range res.Timelines {
				byID[res.Timelines[i].ID] = &res.Timelines[i]
			}
			var fromDump [numCategories]int
			for _, g := range snap.Goroutines {
				fromDump[g.Category]++
				tl := byID[uint64(g.ID)]
				if tl == nil {
					t.Errorf("goroutine %d [%s] is not in the trace", g.ID, g.State)
					continue
				}
				i, _ := slices.BinarySearchFunc(tl.Changes, instant+1, func(c Change, at int64) int { return int(c.At - at) })
				if i == 0 {
					t.Errorf("goroutine %d [%s] has no state in the trace at the dump", g.ID, g.State)
					continue
				}
				if c := tl.Changes[i-1]; c.Category != g.Category {
					t.Errorf("goroutine %d: dump %q (%s), trace %q (%s)", g.ID, g.State, g.Category, c.State, c.Category)
				}
			}
			// A dump leaves out the runtime's goroutines, as IsSystem
			// tells them.
			if fromTrace := res.At[0].User; fromTrace != fromDump {
				t.Errorf("goroutines per state at the dump:\n trace %v\n dump  %v\n(unknown, then %v)", fromTrace, fromDump, waitstates.Categories())
			}
		})
	}
}
