package profiles

import "slices"

// sortStacks returns the builder's stack indexes ordered by their frames
// (label ranks), each stack before the longer stacks it is a prefix of.
//
// It is a most-significant-digit radix sort that takes four frames at a
// time as one 64-bit key, each frame as its rank plus one in 16 bits and 0
// past the end of the stack, so that shorter stacks come first. Stacks
// whose keys tie are sorted again on their next four frames, from a list
// of ranges still to sort rather than by recursion, whose depth would grow
// with the stacks' (a quarter of a million calls for a stack of a million
// frames). A comparison
// sort spends most of its time calling comparators and chasing stacks
// scattered over the frame buffer; this reads each frame about once. With
// more labels than 16 bits hold, it falls back to a comparison sort.
func (b *treeBuilder) sortStacks(labels int) []int32 {
	order := make([]int32, len(b.stacks))
	for i := range order {
		order[i] = int32(i)
	}
	if labels >= 1<<16-1 {
		slices.SortFunc(order, func(x, y int32) int { return slices.Compare(b.stackFrames(x), b.stackFrames(y)) })
		return order
	}
	s := &stackSorter{
		b:       b,
		keys:    make([]uint64, len(order)),
		tmpKeys: make([]uint64, len(order)),
		tmp:     make([]int32, len(order)),
	}
	s.sort(order)
	return order
}

type stackSorter struct {
	b             *treeBuilder
	keys, tmpKeys []uint64
	tmp           []int32
}

// key packs frames depth to depth+3 of a stack.
func (s *stackSorter) key(stack int32, depth int) uint64 {
	frames := s.b.stackFrames(stack)
	var k uint64
	for j := depth; j < depth+4; j++ {
		k <<= 16
		if j < len(frames) {
			k |= uint64(frames[j]) + 1
		}
	}
	return k
}

// insertionSortBelow is the size under which moving keys one by one beats
// counting digits.
const insertionSortBelow = 48

// sortRange is a run of order, [start, end), whose stacks share their
// first depth frames.
type sortRange struct{ start, end, depth int }

func (s *stackSorter) sort(order []int32) {
	pending := []sortRange{{0, len(order), 0}}
	for len(pending) > 0 {
		r := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		idx, keys := order[r.start:r.end], s.keys[r.start:r.end]
		for i, st := range idx {
			keys[i] = s.key(st, r.depth)
		}
		if len(idx) < insertionSortBelow {
			for i := 1; i < len(idx); i++ {
				for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
					keys[j], keys[j-1] = keys[j-1], keys[j]
					idx[j], idx[j-1] = idx[j-1], idx[j]
				}
			}
		} else {
			radixByByte(idx, keys, s.tmp[r.start:r.end], s.tmpKeys[r.start:r.end])
		}
		for start := 0; start < len(idx); {
			end := start + 1
			for end < len(idx) && keys[end] == keys[start] {
				end++
			}
			// Equal keys with a fourth frame may still differ further on.
			if end-start > 1 && keys[start]&0xffff != 0 {
				pending = append(pending, sortRange{r.start + start, r.start + end, r.depth + 4})
			}
			start = end
		}
	}
}

// radixByByte sorts idx by keys, least significant byte first, skipping
// the bytes all keys share; tmp and tmpKeys are scratch space.
func radixByByte(idx []int32, keys []uint64, tmp []int32, tmpKeys []uint64) {
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		clear(count[:])
		for _, k := range keys {
			count[byte(k>>shift)]++
		}
		if count[byte(keys[0]>>shift)] == len(keys) {
			continue
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for i, k := range keys {
			d := byte(k >> shift)
			tmp[count[d]] = idx[i]
			tmpKeys[count[d]] = k
			count[d]++
		}
		copy(idx, tmp)
		copy(keys, tmpKeys)
	}
}
