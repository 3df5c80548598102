package stackgroups

import (
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/goroutines"
)

// BenchmarkGoroutines100k measures parse + group of a real 100 000-goroutine
// debug=2 dump (see bigDump); run it with -cpu 1 for the one-core figure.
// bench_peers_test.go measures other parsers on the same file.
func BenchmarkGoroutines100k(b *testing.B) {
	data := bigDump(b)
	parseGroup := func() (*goroutines.Snapshot, []Group) {
		s, err := goroutines.Parse(data, dumpformat.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		g, err := Groups(s, Filter{})
		if err != nil {
			b.Fatal(err)
		}
		return s, g
	}
	s, groups := parseGroup()
	if s.Total < bigDumpGoroutines {
		b.Fatalf("parsed %d goroutines", s.Total)
	}
	b.Run("parse+group", func(b *testing.B) {
		use := measureHeap(len(data), func() { parseGroup() })
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			parseGroup()
		}
		reportThroughput(b, len(data), use)
		b.ReportMetric(float64(s.Total), "goroutines")
		b.ReportMetric(float64(len(groups)), "groups")
	})
	b.Run("parse", func(b *testing.B) {
		parse := func() {
			if _, err := goroutines.Parse(data, dumpformat.Limits{}); err != nil {
				b.Fatal(err)
			}
		}
		use := measureHeap(len(data), parse)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			parse()
		}
		reportThroughput(b, len(data), use)
	})
}
