package stackgroups

import (
	"slices"

	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/waitstates"
)

// Group is the goroutines of a snapshot with the same state category and
// the same stack (functions, files, lines and creator; arguments, ids and
// addresses do not count).
type Group struct {
	Category waitstates.Category
	// States are the raw states in the group, most frequent first (one,
	// unless the runtime printed different reasons of one category).
	States []string
	// Count is the number of goroutines.
	Count int
	// WaitMin and WaitMax are the shortest and longest wait in minutes.
	WaitMin, WaitMax int
	Stack            *goroutines.Stack
	// CreatedBy is the function that started the goroutines, if printed.
	CreatedBy string
	// UserFrame is the innermost frame outside the standard library, or
	// the innermost frame when there is none (UserFrameIndex is then -1).
	UserFrame      goroutines.Frame
	UserFrameIndex int
	// Package is UserFrame's package.
	Package string
	// IDs are the goroutine ids, ascending (empty for debug=1/protobuf).
	IDs []int64
	// LockedToThread, Leaked and Durable count goroutines with the flag.
	LockedToThread, Leaked, Durable int
	// LabelSets are the distinct pprof label sets, most frequent first.
	LabelSets []LabelSet
	// Crashed is true when the group holds the goroutine that panicked or
	// hit a fatal error (not on a dump by signal such as SIGQUIT, where
	// the first goroutine printed is merely the one that was running).
	Crashed bool
	// System is true for the runtime's own goroutines.
	System bool
}

// LabelSet is one distinct label set in a group and how many goroutines
// carry it.
type LabelSet struct {
	Labels goroutines.Labels
	Count  int
}

// maxLabelSets bounds Group.LabelSets; per-request labels would otherwise
// make one set per goroutine.
const maxLabelSets = 10

type groupKey struct {
	category waitstates.Category
	stack    *goroutines.Stack
}

type groupBuilder struct {
	Group
	states map[string]int
}

// Groups aggregates the goroutines the filter keeps into groups, ordered so
// that the group to read first comes first (see compareGroups for the rules).
func Groups(snap *goroutines.Snapshot, f Filter) ([]Group, error) {
	index := make(map[groupKey]int)
	var builders []*groupBuilder
	var crashed int64 = -1
	if snap != nil && snap.Crash != nil && snap.Crash.Kind != "signal" {
		crashed = snap.Crash.Goroutine
	}
	// debug=1 and protobuf records have no goroutine ids.
	withIDs := snap != nil && snap.StatesKnown
	err := each(snap, f, func(g *goroutines.Goroutine) {
		k := groupKey{g.Category, g.Stack}
		i, ok := index[k]
		if !ok {
			i = len(builders)
			index[k] = i
			builders = append(builders, newGroupBuilder(g))
		}
		builders[i].add(g, withIDs, g.ID == crashed && crashed >= 0)
	})
	if err != nil {
		return nil, err
	}
	groups := make([]Group, len(builders))
	for i, b := range builders {
		groups[i] = b.finish()
	}
	slices.SortStableFunc(groups, compareGroups)
	return groups, nil
}

func newGroupBuilder(g *goroutines.Goroutine) *groupBuilder {
	b := &groupBuilder{Group: Group{
		Category:       g.Category,
		Stack:          g.Stack,
		WaitMin:        g.WaitMinutes,
		WaitMax:        g.WaitMinutes,
		UserFrameIndex: -1,
		System:         IsSystem(g),
	}}
	if s := g.Stack; s != nil {
		b.CreatedBy = s.CreatedBy.Func
		if i := s.UserFrame(); i >= 0 {
			b.UserFrame, b.UserFrameIndex = s.Frames[i], i
		} else if len(s.Frames) > 0 {
			b.UserFrame = s.Frames[0]
		}
		b.Package = b.UserFrame.Package()
	}
	return b
}

func (b *groupBuilder) add(g *goroutines.Goroutine, withIDs, crashed bool) {
	if b.Count == 0 || g.State != b.States[0] {
		b.addState(g.State, g.Count)
	} else if b.states != nil {
		b.states[g.State] += g.Count
	}
	b.Count += g.Count
	b.WaitMin = min(b.WaitMin, g.WaitMinutes)
	b.WaitMax = max(b.WaitMax, g.WaitMinutes)
	if withIDs {
		b.IDs = append(b.IDs, g.ID)
	}
	if g.LockedToThread {
		b.LockedToThread += g.Count
	}
	if g.Leaked {
		b.Leaked += g.Count
	}
	if g.Durable {
		b.Durable += g.Count
	}
	if len(g.Labels) > 0 {
		b.addLabels(g.Labels, g.Count)
	}
	b.Crashed = b.Crashed || crashed
}

// addState counts a state; the common case of a single state keeps no map.
func (b *groupBuilder) addState(state string, n int) {
	if len(b.States) == 0 {
		b.States = []string{state}
		return
	}
	if b.states == nil {
		b.states = map[string]int{b.States[0]: b.Count}
	}
	if _, ok := b.states[state]; !ok {
		b.States = append(b.States, state)
	}
	b.states[state] += n
}

func (b *groupBuilder) addLabels(l goroutines.Labels, n int) {
	for i := range b.LabelSets {
		if slices.Equal(b.LabelSets[i].Labels, l) {
			b.LabelSets[i].Count += n
			return
		}
	}
	if len(b.LabelSets) < maxLabelSets {
		b.LabelSets = append(b.LabelSets, LabelSet{Labels: l, Count: n})
	}
}

func (b *groupBuilder) finish() Group {
	g := b.Group
	if b.states != nil {
		slices.SortStableFunc(g.States, func(x, y string) int { return b.states[y] - b.states[x] })
	}
	slices.SortStableFunc(g.LabelSets, func(x, y LabelSet) int { return y.Count - x.Count })
	if !slices.IsSorted(g.IDs) {
		slices.Sort(g.IDs)
	}
	return g
}
