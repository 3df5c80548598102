package cores

import (
	"sort"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"

	"github.com/goscope/pprof/pkg/goroutines"
)

// maxLabels and maxLabelBytes bound what one label set may claim, against
// damaged cores.
const (
	maxLabels     = 1024
	maxLabelBytes = 1 << 20
)

// labelShape says how runtime/pprof keeps a label set, which g.labels points
// to: a slice of key/value string pairs since Go 1.24, a map[string]string
// before.
type labelShape struct {
	// listOff is the offset of the slice header in the label set, -1 when
	// the set is a map.
	listOff int64
	isMap   bool
}

func (r *reader) readLabelShape() {
	r.labelShape = labelShape{listOff: -1}
	t, err := r.bi.FindType("runtime/pprof.labelMap")
	if err != nil {
		return
	}
	switch lt := godwarf.ResolveTypedef(t).(type) {
	case *godwarf.MapType:
		r.labelShape.isMap = true
	case *godwarf.StructType:
		for _, set := range []string{"LabelSet", "Set"} {
			for _, list := range []string{"list", "List"} {
				if f, ok := fieldOf(lt, set, list); ok {
					r.labelShape.listOff = f.off
					return
				}
			}
		}
	}
}

// labelsOf reads a goroutine's pprof labels, once per label set: the
// goroutines a pprof.Do call starts share the runtime's pointer.
func (r *reader) labelsOf(g *rawG) (goroutines.Labels, error) {
	if l, ok := r.labels[g.label]; ok {
		return l, nil
	}
	l, ok := r.readLabels(g.label)
	if !ok {
		dg, err := r.delveG(g)
		if err != nil {
			return nil, err
		}
		for k, v := range dg.Labels() {
			l = append(l, goroutines.Label{Key: k, Value: v})
		}
	}
	sort.Slice(l, func(i, j int) bool { return l[i].Key < l[j].Key })
	r.labels[g.label] = l
	return l, nil
}

// readLabels reads a label set straight from memory; false means Delve
// should read it (a map being grown, or an unknown layout).
func (r *reader) readLabels(addr uint64) (goroutines.Labels, bool) {
	switch {
	case r.labelShape.listOff >= 0:
		return r.labelList(addr + uint64(r.labelShape.listOff))
	case r.labelShape.isMap:
		return r.labelMap(addr)
	}
	return nil, false
}

// labelList reads a []struct{key, value string}.
func (r *reader) labelList(addr uint64) (goroutines.Labels, bool) {
	var hdr [16]byte
	if _, err := r.mem.ReadMemory(hdr[:], addr); err != nil {
		return nil, false
	}
	base, n := order.Uint64(hdr[:8]), order.Uint64(hdr[8:])
	if n > maxLabels {
		return nil, false
	}
	pairs := make([]byte, 32*n)
	if _, err := r.mem.ReadMemory(pairs, base); err != nil {
		return nil, false
	}
	out := make(goroutines.Labels, 0, n)
	for i := uint64(0); i < n; i++ {
		kv := pairs[32*i:]
		k, ok1 := r.str(kv[0:16])
		v, ok2 := r.str(kv[16:32])
		if !ok1 || !ok2 {
			return nil, false
		}
		out = append(out, goroutines.Label{Key: k, Value: v})
	}
	return out, true
}

// labelMap reads a map[string]string in the layout of Go 1.21 to 1.23
// (hmap with buckets of eight entries); a map in the middle of growing is
// left to Delve.
func (r *reader) labelMap(addr uint64) (goroutines.Labels, bool) {
	var h [48]byte
	if _, err := r.mem.ReadMemory(h[:], addr); err != nil {
		return nil, false
	}
	count, b := order.Uint64(h[0:]), h[9]
	buckets, old := order.Uint64(h[16:]), order.Uint64(h[24:])
	if old != 0 || b > 4 || count > maxLabels {
		return nil, false
	}
	const (
		slots      = 8
		bucketSize = slots + slots*16*2 + 8
		minTopHash = 5
	)
	out := make(goroutines.Labels, 0, count)
	bucket := make([]byte, bucketSize)
	for i := uint64(0); i < 1<<b; i++ {
		next := buckets + i*bucketSize
		for hops := 0; next != 0; hops++ {
			if hops > maxLabels {
				return nil, false
			}
			if _, err := r.mem.ReadMemory(bucket, next); err != nil {
				return nil, false
			}
			for s := 0; s < slots; s++ {
				if bucket[s] < minTopHash {
					continue
				}
				k, ok1 := r.str(bucket[slots+16*s:])
				v, ok2 := r.str(bucket[slots+16*slots+16*s:])
				if !ok1 || !ok2 {
					return nil, false
				}
				out = append(out, goroutines.Label{Key: k, Value: v})
			}
			next = order.Uint64(bucket[bucketSize-8:])
		}
	}
	return out, uint64(len(out)) == count
}

// str reads a Go string from its header.
func (r *reader) str(hdr []byte) (string, bool) {
	p, n := order.Uint64(hdr[:8]), order.Uint64(hdr[8:16])
	if n == 0 {
		return "", true
	}
	if n > maxLabelBytes {
		return "", false
	}
	b := make([]byte, n)
	if _, err := r.mem.ReadMemory(b, p); err != nil {
		return "", false
	}
	return string(b), true
}
