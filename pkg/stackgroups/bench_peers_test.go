package stackgroups

import (
	"bytes"
	"hash/maphash"
	"io"
	"testing"

	"github.com/DataDog/gostackparse"
	"github.com/maruel/panicparse/v2/stack"
)

// BenchmarkPeers100k measures other goroutine dump parsers on the dump of
// BenchmarkGoroutines100k, in the same run: panicparse v2 (ScanSnapshot
// without source analysis, then Aggregate) and DataDog's gostackparse
// (Parse, then grouping by state and frames as Groups does).
func BenchmarkPeers100k(b *testing.B) {
	data := bigDump(b)
	panicparseOpts := &stack.Opts{}
	panicparse := func(aggregate bool) int {
		snap, _, err := stack.ScanSnapshot(bytes.NewReader(data), io.Discard, panicparseOpts)
		if err != nil && err != io.EOF {
			b.Fatal(err)
		}
		if aggregate {
			return len(snap.Aggregate(stack.AnyValue).Buckets)
		}
		return len(snap.Goroutines)
	}
	gostack := func(group bool) int {
		gs, errs := gostackparse.Parse(bytes.NewReader(data))
		if len(errs) > 0 {
			b.Fatal(errs[0])
		}
		if group {
			return len(groupGostackparse(gs))
		}
		return len(gs)
	}
	for _, bm := range []struct {
		name string
		run  func() int
	}{
		{"panicparse/parse+aggregate", func() int { return panicparse(true) }},
		{"panicparse/parse", func() int { return panicparse(false) }},
		{"gostackparse/parse+group", func() int { return gostack(true) }},
		{"gostackparse/parse", func() int { return gostack(false) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			n := 0
			use := measureHeap(len(data), func() { n = bm.run() })
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				bm.run()
			}
			reportThroughput(b, len(data), use)
			b.ReportMetric(float64(n), "items")
		})
	}
}

// groupGostackparse groups gostackparse's goroutines by state and stack
// (function, file, line), the work Groups does on top of parsing.
func groupGostackparse(gs []*gostackparse.Goroutine) map[uint64]int {
	seed := maphash.MakeSeed()
	groups := make(map[uint64]int)
	var h maphash.Hash
	for _, g := range gs {
		h.SetSeed(seed)
		h.WriteString(g.State)
		for _, f := range g.Stack {
			h.WriteString(f.Func)
			h.WriteString(f.File)
			h.WriteByte(byte(f.Line))
			h.WriteByte(byte(f.Line >> 8))
		}
		groups[h.Sum64()]++
	}
	return groups
}
