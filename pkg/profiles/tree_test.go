package profiles_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/profiles"
)

// testProfiles are every profile under testdata, protobuf and text.
func testProfiles(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, pattern := range []string{"*.pb.gz", "*.txt", "go1.*/*.pb.gz", "go1.*/*.txt", "threadcreate/go1.*/*"} {
		matches, err := filepath.Glob(filepath.Join("testdata", pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			names = append(names, strings.TrimPrefix(m, "testdata/"))
		}
	}
	if len(names) < 30 {
		t.Fatalf("found only %d test profiles", len(names))
	}
	return names
}

func load(t testing.TB, name string) *profile.Profile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := profiles.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

func sampleTotal(p *profile.Profile, sampleType string) int64 {
	i, _ := p.SampleIndexByName(sampleType)
	var total int64
	for _, s := range p.Sample {
		total += s.Value[i]
	}
	return total
}

// checkTree builds the flame graph frame of a tree and checks every
// structural rule on it.
func checkTree(t *testing.T, tree *profiles.CallTree) {
	t.Helper()
	if err := frames.CheckFlameGraph(frames.FlameGraph(tree, frames.Origin{Name: "test"})); err != nil {
		t.Fatalf("flame graph frame breaks the rules:\n%v", err)
	}
}

// TestTreeRootIsTheProfileTotal builds the tree of every sample type of
// every test profile: the root must equal the sum of the sample values and
// the frame must follow every structural rule.
func TestTreeRootIsTheProfileTotal(t *testing.T) {
	for _, name := range testProfiles(t) {
		p := load(t, name)
		for _, st := range profiles.SampleTypes(p) {
			t.Run(name+"/"+st.Name, func(t *testing.T) {
				tree, err := profiles.Tree(p, profiles.Options{SampleType: st.Name})
				if err != nil {
					t.Fatal(err)
				}
				checkTree(t, tree)
				if got, want := tree.Total(), sampleTotal(p, st.Name); got != want {
					t.Errorf("root %d, profile total %d", got, want)
				}
				if tree.LabelOf(0) != profiles.Root || tree.Truncated {
					t.Errorf("root %q, truncated %v", tree.LabelOf(0), tree.Truncated)
				}
			})
		}
	}
}

// TestTreeAgreesWithTop checks the tree against the top table, which the
// golden tests check against pprof: per function, the self values of its
// nodes add up to its flat, and the values of its outermost nodes (those
// without an ancestor of the same function) add up to its cum.
func TestTreeAgreesWithTop(t *testing.T) {
	for _, c := range []struct {
		file string
		opts profiles.Options
	}{
		{"cpu.pb.gz", profiles.Options{}},
		{"cpu.pb.gz", profiles.Options{ByLine: true}},
		{"cpu.pb.gz", profiles.Options{Focus: `main\.renderReport`, Hide: `^runtime\.`}},
		{"cpu.pb.gz", profiles.Options{Ignore: "encoding/json", LabelFilter: []profiles.LabelMatcher{{Key: "worker", Op: profiles.MatchEqual, Value: "ingest"}}}},
		{"heap.pb.gz", profiles.Options{SampleType: "alloc_objects"}},
		{"heap.debug1.txt", profiles.Options{}},
		{"goroutine.pb.gz", profiles.Options{}},
		{"goroutine.debug1.txt", profiles.Options{}},
		{"block.debug1.txt", profiles.Options{}},
		{"go1.19/goroutine.pb.gz", profiles.Options{}},
		{"go1.27/goroutineleak.debug1.txt", profiles.Options{}},
		{"cpu-large.pb.gz", profiles.Options{}},
	} {
		t.Run(c.file, func(t *testing.T) {
			p := load(t, c.file)
			tree, err := profiles.Tree(p, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkTree(t, tree)
			top, err := profiles.Top(p, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			flat, cum := map[string]int64{}, map[string]int64{}
			var path []string
			for i := 1; i < tree.Len(); i++ {
				path = append(path[:tree.Level[i]-1], tree.LabelOf(i))
				name := tree.LabelOf(i)
				flat[name] += tree.Self[i]
				outermost := true
				for _, above := range path[:len(path)-1] {
					outermost = outermost && above != name
				}
				if outermost {
					cum[name] += tree.Value[i]
				}
			}
			if len(top.Rows) != len(cum) {
				t.Errorf("top has %d rows, tree %d functions", len(top.Rows), len(cum))
			}
			for _, r := range top.Rows {
				if flat[r.Name] != r.Flat || cum[r.Name] != r.Cum {
					t.Errorf("%s: tree flat %d cum %d, top flat %d cum %d", r.Name, flat[r.Name], cum[r.Name], r.Flat, r.Cum)
				}
			}
			if tree.Total() != top.Shown()+tree.Self[0] {
				t.Errorf("tree total %d, top shows %d (+ root self %d)", tree.Total(), top.Shown(), tree.Self[0])
			}
		})
	}
}

func TestByLineLabelsHaveFileAndLine(t *testing.T) {
	tree, err := profiles.Tree(load(t, "cpu.pb.gz"), profiles.Options{ByLine: true})
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, tree)
	found := false
	for _, l := range tree.Labels {
		if strings.HasPrefix(l, "main.formatRow ") && strings.Contains(l, "gen/profiles/main.go:") {
			found = true
		}
	}
	if !found {
		t.Errorf("no main.formatRow label with file:line among %d labels", len(tree.Labels))
	}
}

// TestNodeLimitKeepsTotalsExact limits trees at several sizes: the limit
// holds, every total stays exact, every kept node keeps its values, and
// what was cut is in "other" nodes.
func TestNodeLimitKeepsTotalsExact(t *testing.T) {
	for _, file := range []string{"cpu.pb.gz", "cpu-large.pb.gz", "heap.pb.gz"} {
		p := load(t, file)
		full, err := profiles.Tree(p, profiles.Options{})
		if err != nil {
			t.Fatal(err)
		}
		fullByPath := valuesByPath(full)
		for _, limit := range []int{1, 2, 3, 10, 100, 1000} {
			tree, err := profiles.Tree(p, profiles.Options{MaxNodes: limit})
			if err != nil {
				t.Fatal(err)
			}
			checkTree(t, tree)
			if tree.Len() > max(limit, 2) {
				t.Errorf("%s limit %d: %d nodes", file, limit, tree.Len())
			}
			if tree.Total() != full.Total() {
				t.Errorf("%s limit %d: total %d, want %d", file, limit, tree.Total(), full.Total())
			}
			if full.Len() <= limit {
				if tree.Truncated || tree.Len() != full.Len() {
					t.Errorf("%s limit %d: %d nodes, truncated %v; the tree has only %d", file, limit, tree.Len(), tree.Truncated, full.Len())
				}
				continue
			}
			if !tree.Truncated || tree.Nodes != full.Len() {
				t.Errorf("%s limit %d: truncated %v, nodes %d (want %d)", file, limit, tree.Truncated, tree.Nodes, full.Len())
			}
			others := 0
			for path, v := range valuesByPath(tree) {
				if strings.HasSuffix(path, "/"+profiles.Other) {
					others++
					continue
				}
				if fullByPath[path] != v {
					t.Errorf("%s limit %d: %s is %v, was %v", file, limit, path, v, fullByPath[path])
				}
			}
			if others == 0 {
				t.Errorf("%s limit %d: no %q node", file, limit, profiles.Other)
			}
		}
		same, err := profiles.Tree(p, profiles.Options{MaxNodes: full.Len()})
		if err != nil {
			t.Fatal(err)
		}
		if same.Truncated || same.Len() != full.Len() {
			t.Errorf("%s: a limit of exactly %d nodes truncated to %d", file, full.Len(), same.Len())
		}
	}
}

// valuesByPath maps each node's path of labels to its value and self.
func valuesByPath(tree *profiles.CallTree) map[string][2]int64 {
	out := map[string][2]int64{}
	var path []string
	for i := 0; i < tree.Len(); i++ {
		path = append(path[:tree.Level[i]], tree.LabelOf(i))
		out[strings.Join(path, "/")] = [2]int64{tree.Value[i], tree.Self[i]}
	}
	return out
}

func TestDiff(t *testing.T) {
	left, right := load(t, "go1.19/heap.pb.gz"), load(t, "heap.pb.gz")
	tree, err := profiles.Diff(left, right, profiles.Options{SampleType: "inuse_space"})
	if err != nil {
		t.Fatal(err)
	}
	if !tree.IsDiff() {
		t.Fatal("not a diff tree")
	}
	if err := frames.CheckFlameGraph(frames.FlameGraphDiff(tree, frames.Origin{Name: "go1.19"}, frames.Origin{Name: "now"})); err != nil {
		t.Fatal(err)
	}
	if tree.Total() != sampleTotal(left, "inuse_space") || tree.TotalRight() != sampleTotal(right, "inuse_space") {
		t.Errorf("totals %d/%d, want %d/%d", tree.Total(), tree.TotalRight(), sampleTotal(left, "inuse_space"), sampleTotal(right, "inuse_space"))
	}
	// Each side of the diff is that profile's own tree.
	for side, p := range map[string]*profile.Profile{"left": left, "right": right} {
		single, err := profiles.Tree(p, profiles.Options{SampleType: "inuse_space"})
		if err != nil {
			t.Fatal(err)
		}
		want := valuesByPath(single)
		var path []string
		for i := 0; i < tree.Len(); i++ {
			path = append(path[:tree.Level[i]], tree.LabelOf(i))
			v, s := tree.Value[i], tree.Self[i]
			if side == "right" {
				v, s = tree.ValueRight[i], tree.SelfRight[i]
			}
			key := strings.Join(path, "/")
			if w, ok := want[key]; (ok && w != [2]int64{v, s}) || (!ok && (v != 0 || s != 0)) {
				t.Errorf("%s %s: %d/%d, its own tree says %v", side, key, v, s, w)
			}
		}
	}

	same, err := profiles.Diff(right, right, profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range same.Len() {
		if same.Value[i] != same.ValueRight[i] || same.Self[i] != same.SelfRight[i] {
			t.Fatalf("a profile diffed with itself differs at %s", same.LabelOf(i))
		}
	}

	limited, err := profiles.Diff(left, right, profiles.Options{MaxNodes: 20})
	if err != nil {
		t.Fatal(err)
	}
	if err := frames.CheckFlameGraph(frames.FlameGraphDiff(limited, frames.Origin{}, frames.Origin{})); err != nil {
		t.Fatal(err)
	}
	if limited.Len() > 20 || limited.Total() != tree.Total() || limited.TotalRight() != tree.TotalRight() {
		t.Errorf("limited diff: %d nodes, totals %d/%d", limited.Len(), limited.Total(), limited.TotalRight())
	}
}

func TestDiffRejectsDifferentTypes(t *testing.T) {
	for _, c := range [][2]string{
		{"heap.pb.gz", "cpu.pb.gz"},
		{"goroutine.pb.gz", "threadcreate.pb.gz"},
	} {
		if _, err := profiles.Diff(load(t, c[0]), load(t, c[1]), profiles.Options{}); err == nil {
			t.Errorf("diff of %s and %s: no error", c[0], c[1])
		}
	}
}
