package profiles

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// treeBuilder collects the stacks of the samples, root first, then sorts
// them by their frames' labels. In that order, stacks sharing a prefix are
// adjacent and siblings come in label order, so one pass emits the tree in
// nested-set order without building a pointer tree first.
type treeBuilder struct {
	opts         *compiledOptions
	names        *nameTable
	rootID       int32
	otherID      int32
	unrecordedID int32
	groups       map[string]int32
	frames       []int32
	stacks       []stack
	// unrecorded sums the values of the samples without a stack, per
	// profile; negative is a sample value below zero, which no flame graph
	// can draw.
	unrecorded [2]int64
	negative   int64
}

// stack is one sample's frames, frames[start:start+n] of the builder, and
// its value in the first and the second profile.
type stack struct {
	start       int
	n           int32
	left, right int64
}

func newTreeBuilder(opts *compiledOptions) *treeBuilder {
	names := newNameTable()
	return &treeBuilder{
		opts:         opts,
		names:        names,
		rootID:       names.intern(Root, "", "", 0),
		otherID:      names.intern(Other, "", "", 0),
		unrecordedID: names.intern(StackNotRecorded, "", "", 0),
		groups:       map[string]int32{},
	}
}

// addAll adds the samples of a walker, as the second profile if right.
func (b *treeBuilder) addAll(w *walker, right bool) {
	// Growing these as samples come would copy them over and over, and
	// the garbage makes the collector rescan the (large) profile.
	depth := 0
	for _, s := range w.p.Sample {
		depth += len(s.Location) + 1
	}
	b.frames = slices.Grow(b.frames, depth+depth/4)
	b.stacks = slices.Grow(b.stacks, len(w.p.Sample))
	var lead func(*profile.Sample) int32
	if b.opts.GroupBy != "" {
		lead = b.group
	}
	first := len(b.stacks)
	w.eachStack(&b.frames, lead, func(_ *profile.Sample, v int64, start int) {
		st := stack{start: start, n: int32(len(b.frames) - start)}
		if right {
			st.right = v
		} else {
			st.left = v
		}
		if v < 0 && b.negative == 0 {
			b.negative = v
		}
		b.stacks = append(b.stacks, st)
	})
	b.markUnrecorded(b.stacks[first:], lead != nil)
}

// markUnrecorded gives every stack without frames one that says so, after
// its group frame in a grouped tree, and sums their values.
func (b *treeBuilder) markUnrecorded(stacks []stack, grouped bool) {
	var lead int32
	if grouped {
		lead = 1
	}
	for i := range stacks {
		st := &stacks[i]
		if st.n > lead {
			continue
		}
		start := len(b.frames)
		b.frames = append(b.frames, b.frames[st.start:st.start+int(st.n)]...)
		b.frames = append(b.frames, b.unrecordedID)
		st.start, st.n = start, st.n+1
		b.unrecorded[0] += st.left
		b.unrecorded[1] += st.right
	}
}

// checkSigns refuses samples with negative values, which pprof writes for
// a difference (go tool pprof -diff_base -proto): a flame graph node
// cannot be narrower than nothing.
func (b *treeBuilder) checkSigns() error {
	if b.negative < 0 {
		return fmt.Errorf("the profile has negative sample values (%d), as a difference written by go tool pprof -diff_base has; a flame graph cannot draw them: use the top view, or compare the two profiles with a baseline", b.negative)
	}
	return nil
}

// group returns the frame standing for the sample's value of the GroupBy
// label, "key=value", or "key=<unset>" for samples without it.
func (b *treeBuilder) group(s *profile.Sample) int32 {
	value, ok := labelValue(s, b.opts.GroupBy)
	if !ok {
		value = "<unset>"
	}
	if id, ok := b.groups[value]; ok {
		return id
	}
	name := b.opts.GroupBy + "=" + value
	id := b.names.intern(name, name, "", 0)
	b.groups[value] = id
	return id
}

// nodeRows is a tree under construction, in nested-set order.
type nodeRows struct {
	level  []int64
	label  []int32
	parent []int32
	self   []int64
	selfR  []int64
	value  []int64
	valueR []int64
}

func (b *treeBuilder) build(st SampleType, diff bool) *CallTree {
	rank := b.rankLabels()
	for i, id := range b.frames {
		b.frames[i] = rank[id]
	}
	order := b.sortStacks(len(rank))
	rows := b.sweep(order, rank[b.rootID], diff)
	nodes := len(rows.level)
	truncated := false
	if limit := b.opts.MaxNodes; limit > 0 && nodes > limit {
		rows, truncated = limitNodes(rows, limit, rank[b.otherID])
	}
	t := &CallTree{SampleType: st, Truncated: truncated, Nodes: nodes, Unrecorded: b.unrecorded[0]}
	t.Level, t.Value, t.Self = rows.level, rows.value, rows.self
	if diff {
		t.ValueRight, t.SelfRight = rows.valueR, rows.selfR
		t.UnrecordedRight = b.unrecorded[1]
	}
	t.Labels, t.Label = b.compactLabels(rank, rows.label)
	return t
}

func (b *treeBuilder) stackFrames(i int32) []int32 {
	st := b.stacks[i]
	return b.frames[st.start : st.start+int(st.n)]
}

// rankLabels returns, for each name id, its position in label order.
func (b *treeBuilder) rankLabels() []int32 {
	names := b.names.names
	order := make([]int32, len(names))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(names[x], names[y]) })
	rank := make([]int32, len(names))
	for r, id := range order {
		rank[id] = int32(r)
	}
	return rank
}

// sweep emits the nodes of the sorted stacks: each stack shares its first
// frames with the previous one and opens new nodes for the rest. A first
// pass counts the nodes so that the rows are allocated once.
func (b *treeBuilder) sweep(order []int32, rootLabel int32, diff bool) *nodeRows {
	shared := make([]int32, len(order))
	nodes := 1
	var prev []int32
	for i, k := range order {
		cur := b.stackFrames(k)
		n := 0
		for n < len(prev) && n < len(cur) && prev[n] == cur[n] {
			n++
		}
		shared[i] = int32(n)
		nodes += len(cur) - n
		prev = cur
	}

	r := &nodeRows{
		level:  make([]int64, nodes),
		label:  make([]int32, nodes),
		parent: make([]int32, nodes),
		self:   make([]int64, nodes),
	}
	if diff {
		r.selfR = make([]int64, nodes)
	}
	r.label[0], r.parent[0] = rootLabel, -1
	row := int32(1)
	path := []int32{0}
	for i, k := range order {
		cur := b.stackFrames(k)
		path = path[:shared[i]+1]
		for d := int(shared[i]); d < len(cur); d++ {
			r.level[row] = int64(d + 1)
			r.label[row] = cur[d]
			r.parent[row] = path[d]
			path = append(path, row)
			row++
		}
		leaf := path[len(cur)]
		st := b.stacks[k]
		r.self[leaf] += st.left
		if diff {
			r.selfR[leaf] += st.right
		}
	}
	r.value = inclusive(r.self, r.parent)
	if diff {
		r.valueR = inclusive(r.selfR, r.parent)
	}
	return r
}

// inclusive sums self values up the tree; children follow their parents.
func inclusive(self []int64, parent []int32) []int64 {
	value := slices.Clone(self)
	for i := len(value) - 1; i > 0; i-- {
		value[parent[i]] += value[i]
	}
	return value
}

// compactLabels keeps only the labels nodes use, still in label order.
func (b *treeBuilder) compactLabels(rank []int32, label []int32) ([]string, []int32) {
	used := make([]int32, len(rank))
	for _, r := range label {
		used[r] = 1
	}
	byRank := make([]string, len(rank))
	for id, r := range rank {
		byRank[r] = b.names.names[id]
	}
	var labels []string
	for r, u := range used {
		if u != 0 {
			used[r] = int32(len(labels))
			labels = append(labels, byRank[r])
		}
	}
	out := make([]int32, len(label))
	for i, r := range label {
		out[i] = used[r]
	}
	return labels, out
}
