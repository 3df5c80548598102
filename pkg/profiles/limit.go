package profiles

import "container/heap"

// limitNodes keeps at most limit nodes (raised to 2, the root and one
// Other node). Nodes are taken greedily by weight (both values of a diff
// together, as Grafana draws them), a node always before its children; for
// every kept node whose children were not all kept, one Other node stands
// for the rest, with their summed values, so that every kept node's value
// still equals its self plus its children's values. It reports whether
// anything was cut.
func limitNodes(r *nodeRows, limit int, otherLabel int32) (*nodeRows, bool) {
	limit = max(limit, 2)
	n := len(r.level)
	firstChild := make([]int32, n)
	nextSibling := make([]int32, n)
	children := make([]int32, n)
	for i := range firstChild {
		firstChild[i], nextSibling[i] = -1, -1
	}
	for i := n - 1; i > 0; i-- {
		p := r.parent[i]
		nextSibling[i] = firstChild[p]
		firstChild[p] = int32(i)
		children[p]++
	}

	weight := func(i int32) int64 {
		w := abs(r.value[i])
		if r.valueR != nil {
			w += abs(r.valueR[i])
		}
		return w
	}
	kept := make([]bool, n)
	unkept := make([]int32, n)
	kept[0] = true
	unkept[0] = children[0]
	used := 1
	if children[0] > 0 {
		used++
	}
	keptCount := 1
	q := &candidates{weight: weight}
	push := func(p int32) {
		for c := firstChild[p]; c >= 0; c = nextSibling[c] {
			heap.Push(q, c)
		}
	}
	push(0)
	for q.Len() > 0 {
		c := q.nodes[0]
		p := r.parent[c]
		delta := 1
		if children[c] > 0 {
			delta++
		}
		if unkept[p] == 1 {
			delta--
		}
		if used+delta > limit {
			break
		}
		heap.Pop(q)
		kept[c] = true
		keptCount++
		unkept[p]--
		unkept[c] = children[c]
		used += delta
		push(c)
	}
	if keptCount == n {
		return r, false
	}
	return emitKept(r, kept, unkept, firstChild, nextSibling, otherLabel, used), true
}

// emitKept writes the kept nodes in nested-set order, with an Other node
// among the children of every node that lost some, placed where its label
// sorts.
func emitKept(r *nodeRows, kept []bool, unkept, firstChild, nextSibling []int32, otherLabel int32, size int) *nodeRows {
	diff := r.valueR != nil
	out := &nodeRows{
		level: make([]int64, 0, size),
		label: make([]int32, 0, size),
		self:  make([]int64, 0, size),
		value: make([]int64, 0, size),
	}
	if diff {
		out.selfR = make([]int64, 0, size)
		out.valueR = make([]int64, 0, size)
	}
	const otherMark = -1
	// Entries are node indexes, or otherMark followed by the parent's index.
	type entry struct{ node, parent int32 }
	stack := []entry{{node: 0}}
	var kids []entry
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e.node == otherMark {
			var v, vr int64
			for c := firstChild[e.parent]; c >= 0; c = nextSibling[c] {
				if !kept[c] {
					v += r.value[c]
					if diff {
						vr += r.valueR[c]
					}
				}
			}
			out.level = append(out.level, r.level[e.parent]+1)
			out.label = append(out.label, otherLabel)
			out.self = append(out.self, v)
			out.value = append(out.value, v)
			if diff {
				out.selfR = append(out.selfR, vr)
				out.valueR = append(out.valueR, vr)
			}
			continue
		}
		i := e.node
		out.level = append(out.level, r.level[i])
		out.label = append(out.label, r.label[i])
		out.self = append(out.self, r.self[i])
		out.value = append(out.value, r.value[i])
		if diff {
			out.selfR = append(out.selfR, r.selfR[i])
			out.valueR = append(out.valueR, r.valueR[i])
		}
		kids = kids[:0]
		otherPlaced := unkept[i] == 0
		for c := firstChild[i]; c >= 0; c = nextSibling[c] {
			if !kept[c] {
				continue
			}
			if !otherPlaced && r.label[c] > otherLabel {
				kids = append(kids, entry{node: otherMark, parent: i})
				otherPlaced = true
			}
			kids = append(kids, entry{node: c})
		}
		if !otherPlaced {
			kids = append(kids, entry{node: otherMark, parent: i})
		}
		for k := len(kids) - 1; k >= 0; k-- {
			stack = append(stack, kids[k])
		}
	}
	return out
}

// candidates is a max-heap of nodes by weight, earlier nodes first on ties
// (a parent is never lighter than its child, and comes earlier).
type candidates struct {
	nodes  []int32
	weight func(int32) int64
}

func (q *candidates) Len() int { return len(q.nodes) }
func (q *candidates) Less(i, j int) bool {
	wi, wj := q.weight(q.nodes[i]), q.weight(q.nodes[j])
	if wi != wj {
		return wi > wj
	}
	return q.nodes[i] < q.nodes[j]
}
func (q *candidates) Swap(i, j int) { q.nodes[i], q.nodes[j] = q.nodes[j], q.nodes[i] }
func (q *candidates) Push(x any)    { q.nodes = append(q.nodes, x.(int32)) }
func (q *candidates) Pop() any {
	last := q.nodes[len(q.nodes)-1]
	q.nodes = q.nodes[:len(q.nodes)-1]
	return last
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
