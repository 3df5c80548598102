package profiles

import (
	"fmt"

	"github.com/google/pprof/profile"
)

// Root is the label of a tree's root node.
const Root = "total"

// CallTree is a call tree in nested-set order, the layout Grafana's flame
// graph reads: nodes in depth-first pre-order, each with its depth, so
// every subtree is a contiguous run of rows. Node 0 is the root, labelled
// Root, and holds the total. Siblings are sorted by label.
//
// Value is inclusive (the node and everything it called) and Self
// exclusive, so Value[i] = Self[i] + the Values of i's children. A diff
// tree carries the second profile's values in ValueRight and SelfRight
// under the same rules; Value and Self are then the first (baseline)
// profile's.
type CallTree struct {
	SampleType SampleType
	// Labels are the distinct node labels in sorted order; Label[i]
	// indexes it.
	Labels []string
	Level  []int64
	Label  []int32
	Value  []int64
	Self   []int64

	ValueRight []int64
	SelfRight  []int64

	// Truncated says a node limit applied: Nodes is how many nodes the
	// tree had before, and the cut subtrees are now Other nodes.
	Truncated bool
	Nodes     int

	// Unrecorded and UnrecordedRight sum the values of the samples that
	// had no stack, which are the node StackNotRecorded.
	Unrecorded      int64
	UnrecordedRight int64
}

// Len is the number of nodes.
func (t *CallTree) Len() int { return len(t.Level) }

// IsDiff reports whether the tree compares two profiles.
func (t *CallTree) IsDiff() bool { return t.ValueRight != nil }

// LabelOf returns node i's label.
func (t *CallTree) LabelOf(i int) string { return t.Labels[t.Label[i]] }

// Total is the root's value: the sum of the sample values shown.
func (t *CallTree) Total() int64 { return t.Value[0] }

// TotalRight is the root's value in the second profile of a diff.
func (t *CallTree) TotalRight() int64 {
	if !t.IsDiff() {
		return 0
	}
	return t.ValueRight[0]
}

// Tree returns the call tree of a profile for one sample type, with the
// options' filters, grouping and node limit applied.
func Tree(p *profile.Profile, opts Options) (*CallTree, error) {
	c, err := compileOptions(opts)
	if err != nil {
		return nil, err
	}
	b := newTreeBuilder(c)
	w, err := newWalker(p, c, opts.SampleType, b.names)
	if err != nil {
		return nil, err
	}
	b.addAll(w, false)
	if err := b.checkSigns(); err != nil {
		return nil, err
	}
	return b.build(w.sampleType, false), nil
}

// Diff returns one tree of two profiles of the same type, the first
// (baseline) in Value and Self, the second in ValueRight and SelfRight.
// The sample type is resolved on the first profile and must exist, with
// the same unit, in the second.
func Diff(left, right *profile.Profile, opts Options) (*CallTree, error) {
	c, err := compileOptions(opts)
	if err != nil {
		return nil, err
	}
	b := newTreeBuilder(c)
	lw, err := newWalker(left, c, opts.SampleType, b.names)
	if err != nil {
		return nil, fmt.Errorf("first profile: %w", err)
	}
	rw, err := newWalker(right, c, lw.sampleType.Name, b.names)
	if err != nil {
		return nil, fmt.Errorf("second profile: %w (the profiles are not of the same type)", err)
	}
	if lw.sampleType != rw.sampleType {
		return nil, fmt.Errorf("the profiles are not of the same type: %s in %s against %s in %s",
			lw.sampleType.Name, lw.sampleType.Unit, rw.sampleType.Name, rw.sampleType.Unit)
	}
	b.addAll(lw, false)
	b.addAll(rw, true)
	if err := b.checkSigns(); err != nil {
		return nil, err
	}
	return b.build(lw.sampleType, true), nil
}
