package profiles_test

import (
	"bytes"
	"errors"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/internal/hostile"
	"github.com/goscope/pprof/pkg/profiles"
)

// The hostile inputs of the catalogue that reach the profile parser, at a
// tenth of the size that killed the plugin (the shape is what matters).

// Two samples sharing a stack of two million frames, 4 KB gzipped: the
// stacks are cut at parse time with a notice, and every view is built.
func TestDeepSharedStackIsCut(t *testing.T) {
	const depth = 2_000_000
	data := hostile.DeepCPUProfile(2, depth)
	var p *profile.Profile
	var cut dumpformat.StackCut
	var err error
	used := hostile.Allocated(func() {
		p, cut, err = profiles.Parse(data, dumpformat.Limits{})
		if err != nil {
			return
		}
		var tree *profiles.CallTree
		if tree, err = profiles.Tree(p, profiles.Options{}); err != nil {
			return
		}
		if err = frames.CheckFlameGraph(frames.FlameGraph(tree, frames.Origin{})); err != nil {
			return
		}
		if tree.Len() != dumpformat.MaxStackDepth+1 || tree.Total() != 20_000_000 {
			t.Errorf("tree of %d nodes, total %d", tree.Len(), tree.Total())
		}
		if _, err = profiles.Top(p, profiles.Options{}); err != nil {
			return
		}
		_, err = profiles.LabelCounts(p, profiles.Options{GroupBy: "thread"})
	})
	if err != nil {
		t.Fatal(err)
	}
	if cut.Stacks != 2 || cut.Deepest != depth || cut.Depth != dumpformat.MaxStackDepth {
		t.Errorf("cut = %+v", cut)
	}
	// Decoding the two samples takes 16 bytes a frame (64 MB); nothing
	// after the cut may cost as much again.
	if used > 100<<20 {
		t.Errorf("parsing and drawing allocated %d MiB", used>>20)
	}
}

// The 20-million-frame profile, with the bound scaled to the test: the
// location ids are counted before anything is decoded.
func TestPackedLocationIDsBeyondTheBound(t *testing.T) {
	data := hostile.DeepCPUProfile(1, 3_000_000)
	var err error
	used := hostile.Allocated(func() { _, _, err = profiles.Parse(data, dumpformat.Limits{MaxStackFrames: 1_000_000}) })
	var bound *dumpformat.BoundError
	if !errors.As(err, &bound) || !strings.Contains(err.Error(), "more than 1000000 stack frames (the bound set by maxStackFrames)") {
		t.Fatalf("err = %v", err)
	}
	// The decompressed 3 MB and nothing more.
	if used > 8<<20 {
		t.Errorf("refusing the profile allocated %d MiB", used>>20)
	}
}

func TestGzippedProfileBeyondTheDecompressedLimit(t *testing.T) {
	data := hostile.DeepCPUProfile(1, 8<<20)
	var err error
	used := hostile.Allocated(func() { _, _, err = profiles.Parse(data, dumpformat.Limits{MaxDecompressedBytes: 2 << 20}) })
	if !dumpformat.IsLimitError(err) || !strings.Contains(err.Error(), "decompressed size exceeds 2 MiB limit") {
		t.Fatalf("err = %v", err)
	}
	// At most the gate's one pass of a few times the compressed size, not
	// the 8 MiB.
	if used > 2<<20 {
		t.Errorf("refusing the profile allocated %d KiB", used>>10)
	}
	_, _, err = profiles.Parse(hostile.Gzip(data), dumpformat.Limits{})
	if !errors.Is(err, dumpformat.ErrNestedGzip) {
		t.Errorf("gzip inside gzip: %v", err)
	}
}

// A goroutine profile in debug=1 text whose one record is 200 000 frames
// deep: the stack line is cut before the pprof library reads it (its
// reader stops at a 64 KiB line), and the names still come from the
// runtime's comments.
func TestDeepStackInLegacyText(t *testing.T) {
	p, cut, err := profiles.Parse(hostile.DeepGoroutineText(200_000), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if cut.Stacks != 1 || cut.Deepest != 200_000 || cut.Depth > dumpformat.MaxStackDepth || cut.Depth < 1000 {
		t.Fatalf("cut = %+v", cut)
	}
	deep := p.Sample[0]
	if len(deep.Location) != cut.Depth || deep.Value[0] != 2 {
		t.Errorf("the deep record kept %d locations, value %d; want %d", len(deep.Location), deep.Value[0], cut.Depth)
	}
	if name := deep.Location[0].Line[0].Function.Name; name != hostile.FuncA {
		t.Errorf("leaf %q, want %q", name, hostile.FuncA)
	}
	tree, err := profiles.Tree(p, profiles.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := frames.CheckFlameGraph(frames.FlameGraph(tree, frames.Origin{})); err != nil {
		t.Error(err)
	}
	_, _, err = profiles.Parse(hostile.DeepGoroutineText(20_000), dumpformat.Limits{MaxStackFrames: 15_000})
	if !strings.Contains(fmtErr(err), "more than 15000 stack frames") {
		t.Errorf("legacy text beyond the frame bound: %v", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The stack sort keeps its own list of ranges: a stack sorted four frames
// at a time no longer costs a call frame per four frames. The profile is
// built in memory, past the parser's depth cut, and sorted with the
// goroutine stack limited to 16 MiB, which the recursive sort overflowed.
func TestStackSortDoesNotRecurse(t *testing.T) {
	const depth = 1_000_000
	fa, fb := &profile.Function{ID: 1, Name: hostile.FuncA}, &profile.Function{ID: 2, Name: hostile.FuncB}
	la := &profile.Location{ID: 1, Line: []profile.Line{{Function: fa}}}
	lb := &profile.Location{ID: 2, Line: []profile.Line{{Function: fb}}}
	stack := make([]*profile.Location, depth)
	for i := range stack {
		stack[i] = la
		if i%2 == 1 {
			stack[i] = lb
		}
	}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}},
		Function:   []*profile.Function{fa, fb},
		Location:   []*profile.Location{la, lb},
		Sample:     []*profile.Sample{{Location: stack, Value: []int64{1}}, {Location: stack, Value: []int64{2}}},
	}
	defer debug.SetMaxStack(debug.SetMaxStack(16 << 20))
	tree, err := profiles.Tree(p, profiles.Options{MaxNodes: 100})
	if err != nil {
		t.Fatal(err)
	}
	if tree.Nodes != depth+1 || tree.Total() != 3 {
		t.Errorf("%d nodes, total %d", tree.Nodes, tree.Total())
	}
}

// Fuzz seeds of the same shapes, small enough to mutate quickly.
func hostileSeeds() [][]byte {
	var raw bytes.Buffer
	hostile.WriteDeepCPUProfile(&raw, 2, dumpformat.MaxStackDepth+3)
	return [][]byte{
		hostile.DeepCPUProfile(2, dumpformat.MaxStackDepth+3),
		raw.Bytes()[:raw.Len()/2],
		hostile.Gzip(hostile.DeepCPUProfile(1, 10)),
		hostile.DeepGoroutineText(50),
	}
}
