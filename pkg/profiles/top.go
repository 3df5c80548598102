package profiles

import (
	"cmp"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// TopTable is what `go tool pprof -top` prints: per function (or per line
// with Options.ByLine) the value spent in it (flat) and in it and what it
// called (cum), sorted by flat, then by name. The samples without a stack
// are one more row, StackNotRecorded, where pprof prints none or, for the
// padded stacks of Go 1.23 and later, "<unknown>".
type TopTable struct {
	SampleType SampleType
	// Total is what percentages are of: the sum of the absolute sample
	// values of the whole profile, before any filter, as in pprof.
	Total int64
	Rows  []TopRow
	// ByLine says rows are per source line.
	ByLine bool
	// DroppedNodes counts the rows Options.NodeFraction dropped, whose cum
	// was below NodeCutoff.
	DroppedNodes int
	NodeCutoff   int64
	NodeFraction float64
	// Unrecorded sums the values of the samples without a stack.
	Unrecorded int64
}

// TopRow is one function, or one line of a function.
type TopRow struct {
	// Name is the row's name as pprof prints it: the function, followed
	// by file:line in a table by line.
	Name     string
	Function string
	File     string
	Line     int64
	// Inline is "inline" when every call to the row was inlined into its
	// caller, "partial-inline" when some were, and empty otherwise.
	Inline string
	Flat   int64
	Cum    int64
}

// Shown is the sum of the flat values of the rows.
func (t *TopTable) Shown() int64 {
	var sum int64
	for _, r := range t.Rows {
		sum += r.Flat
	}
	return sum
}

// Top returns the top table of a profile, with the same numbers and order
// as `go tool pprof -top` given the same sample type and filters.
func Top(p *profile.Profile, opts Options) (*TopTable, error) {
	c, err := compileOptions(opts)
	if err != nil {
		return nil, err
	}
	names := newNameTable()
	unrecorded := names.intern(StackNotRecorded, "", "", 0)
	w, err := newWalker(p, c, opts.SampleType, names)
	if err != nil {
		return nil, err
	}
	a := newTopAccumulator(names.len(), &w.locs)
	w.each(a.add)
	a.flat[unrecorded] = a.stackless
	a.cum[unrecorded] = a.stackless

	t := &TopTable{
		SampleType:   w.sampleType,
		Total:        absoluteTotal(p, w.valueIndex),
		ByLine:       opts.ByLine,
		NodeFraction: opts.NodeFraction,
		Unrecorded:   a.stackless,
	}
	flatTotal := a.flatTotal()
	kept := a.keep(c.NodeFraction, flatTotal)
	if kept != nil {
		a.recomputeEdges(w, kept)
	}
	inline := a.inlineLabels(abs(int64(float64(flatTotal) * pprofEdgeFraction)))
	for id := range names.len() {
		if a.flat[id] == 0 && a.cum[id] == 0 {
			continue
		}
		if kept != nil && !kept[id] {
			t.DroppedNodes++
			continue
		}
		t.Rows = append(t.Rows, TopRow{
			Name:     names.names[id],
			Function: names.function[id],
			File:     names.file[id],
			Line:     names.line[id],
			Inline:   inline[id],
			Flat:     a.flat[id],
			Cum:      a.cum[id],
		})
	}
	t.NodeCutoff = a.cutoff
	slices.SortFunc(t.Rows, func(x, y TopRow) int {
		if c := cmp.Compare(abs(y.Flat), abs(x.Flat)); c != 0 {
			return c
		}
		if c := strings.Compare(x.Name, y.Name); c != 0 {
			return c
		}
		return cmp.Compare(abs(y.Cum), abs(x.Cum))
	})
	return t, nil
}

// absoluteTotal is pprof's report total: the sum of absolute values of
// every sample.
func absoluteTotal(p *profile.Profile, index int) int64 {
	var total int64
	for _, s := range p.Sample {
		total += abs(s.Value[index])
	}
	return total
}

// pprofEdgeFraction is pprof's default -edgefraction: call edges carrying
// less than this fraction of the total are dropped from its graph, and so
// do not count when it marks a function as inlined.
const pprofEdgeFraction = 0.001

// topAccumulator follows pprof's graph construction: a sample adds its
// value to the cum of every distinct node on its stack and to the flat of
// its leaf. A caller-to-callee edge counts once per sample, and is inline
// only if each first occurrence in a sample was an inlined call.
type topAccumulator struct {
	locs      *locationFrames
	flat, cum []int64
	seen      []int32
	stamp     int32
	// inlinable marks the nodes inlined somewhere; only edges into them
	// are tracked, since only they can be labelled inline.
	inlinable []bool
	edges     map[[2]int32]*callEdge
	cutoff    int64
	// stackless sums the samples without frames.
	stackless int64
}

type callEdge struct {
	weight int64
	inline bool
	stamp  int32
}

func newTopAccumulator(names int, locs *locationFrames) *topAccumulator {
	a := &topAccumulator{
		locs:      locs,
		flat:      make([]int64, names),
		cum:       make([]int64, names),
		seen:      make([]int32, names),
		inlinable: make([]bool, names),
		edges:     map[[2]int32]*callEdge{},
	}
	for i := range int32(len(locs.marks)) {
		frames := locs.of(i)
		for _, f := range frames[min(1, len(frames)):] {
			a.inlinable[f] = true
		}
	}
	return a
}

func (a *topAccumulator) add(_ *profile.Sample, v int64, locs []int32) {
	if len(locs) == 0 {
		a.stackless += v
		return
	}
	a.stamp++
	parent := int32(-1)
	for i := len(locs) - 1; i >= 0; i-- {
		for k, f := range a.locs.of(locs[i]) {
			if a.seen[f] != a.stamp {
				a.seen[f] = a.stamp
				a.cum[f] += v
			}
			a.edge(parent, f, k > 0, v)
			parent = f
		}
	}
	if parent >= 0 {
		a.flat[parent] += v
	}
}

func (a *topAccumulator) edge(caller, callee int32, inlined bool, v int64) {
	if caller < 0 || caller == callee || !a.inlinable[callee] {
		return
	}
	key := [2]int32{caller, callee}
	e := a.edges[key]
	switch {
	case e == nil:
		a.edges[key] = &callEdge{weight: v, inline: inlined, stamp: a.stamp}
	case e.stamp != a.stamp:
		e.stamp = a.stamp
		e.weight += v
		e.inline = e.inline && inlined
	}
}

func (a *topAccumulator) flatTotal() int64 {
	var total int64
	for _, f := range a.flat {
		total += f
	}
	return total
}

// inlineLabels returns pprof's mark for each node from its caller edges
// that carry at least the edge cutoff.
func (a *topAccumulator) inlineLabels(edgeCutoff int64) []string {
	inline := make([]bool, len(a.flat))
	plain := make([]bool, len(a.flat))
	for key, e := range a.edges {
		if abs(e.weight) < edgeCutoff {
			continue
		}
		if e.inline {
			inline[key[1]] = true
		} else {
			plain[key[1]] = true
		}
	}
	labels := make([]string, len(a.flat))
	for id := range labels {
		switch {
		case inline[id] && plain[id]:
			labels[id] = "partial-inline"
		case inline[id]:
			labels[id] = "inline"
		}
	}
	return labels
}

// keep applies pprof's node fraction: nodes whose cum is below the
// fraction of the flat total are dropped. It returns nil when nothing is.
func (a *topAccumulator) keep(fraction float64, flatTotal int64) []bool {
	if fraction <= 0 {
		return nil
	}
	a.cutoff = abs(int64(float64(flatTotal) * fraction))
	if a.cutoff == 0 {
		return nil
	}
	kept := make([]bool, len(a.cum))
	dropped := false
	for id, c := range a.cum {
		kept[id] = abs(c) >= a.cutoff
		dropped = dropped || !kept[id] && (c != 0 || a.flat[id] != 0)
	}
	if !dropped {
		return nil
	}
	return kept
}

// recomputeEdges redoes the caller edges as pprof does once it rebuilds its
// graph from the kept nodes only: a kept node's caller is then the nearest
// kept node above it.
func (a *topAccumulator) recomputeEdges(w *walker, kept []bool) {
	clear(a.edges)
	w.each(func(_ *profile.Sample, v int64, locs []int32) {
		a.stamp++
		parent := int32(-1)
		for i := len(locs) - 1; i >= 0; i-- {
			for k, f := range a.locs.of(locs[i]) {
				if !kept[f] {
					continue
				}
				a.edge(parent, f, k > 0, v)
				parent = f
			}
		}
	})
}
