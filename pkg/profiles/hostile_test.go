package profiles_test

import (
	"runtime/debug"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/internal/hostile"
	"github.com/goscope/pprof/pkg/profiles"
)

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
