package history

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// The recorder's load on a big installation: 100 targets sampled every
// 15 s for 24 h (the default interval and retention), each with a metrics
// URL, and a full goroutine dump every minute giving counts and waits per
// state category.
const (
	benchTargets  = 100
	benchInterval = 15 * time.Second
	benchSpan     = 24 * time.Hour
	benchFullDump = time.Minute
	// benchPoints is a wide panel's max data points.
	benchPoints = 1000
)

var benchCategories = []string{"running", "runnable", "syscall", "io", "lock", "channel", "select", "sleep", "sync", "runtime", "other"}

func benchTarget(i int) string { return fmt.Sprintf("svc-%03d", i) }

// benchRound is one sampling round of every target at round r.
func benchRound(r int) []Record {
	t := base.Add(time.Duration(r) * benchInterval)
	fullDump := r%int(benchFullDump/benchInterval) == 0
	out := make([]Record, 0, 2*benchTargets)
	for i := range benchTargets {
		g := float64(1000 + (r*7+i*13)%500)
		out = append(out, Record{benchTarget(i), Sample{t, map[string]float64{
			"up": 1, "goroutines": g, "threads": float64(20 + i%10),
			"rss_bytes": float64(300<<20 + (r%977)*4096), "heap_inuse_bytes": float64(120<<20 + (r%613)*8192),
			"os_threads": float64(18 + i%7), "cpu_seconds_total": float64(r) * 0.37,
		}}})
		if fullDump {
			v := map[string]float64{}
			for c, cat := range benchCategories {
				v["goroutines_"+cat] = float64((r + c*31 + i) % 400)
				v["wait_max_minutes_"+cat] = float64((r / 4) % 90)
				v["wait_median_minutes_"+cat] = float64((r / 8) % 30)
			}
			out = append(out, Record{benchTarget(i), Sample{t.Add(1500 * time.Millisecond), v}})
		}
	}
	return out
}

var bench struct {
	once  sync.Once
	store *Store
	size  int64
	err   error
}

// benchStore builds the 24 h store once per test binary run (a minute or
// so), without fsync; the round benchmark measures writes with it.
func benchStore(b *testing.B) *Store {
	bench.once.Do(func() {
		dir, err := os.MkdirTemp("", "history-bench-")
		if err != nil {
			bench.err = err
			return
		}
		s, err := openWith(filepath.Join(dir, "history.db"), true)
		if err != nil {
			bench.err = err
			return
		}
		for r := range int(benchSpan / benchInterval) {
			if bench.err = s.Append(benchRound(r)); bench.err != nil {
				return
			}
		}
		bench.store = s
		bench.size, bench.err = s.Size()
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.store
}

func benchQuery(target string, keep func(string) bool) Query {
	return Query{
		Target: target, From: base, To: base.Add(benchSpan), Step: benchSpan / benchPoints, Keep: keep,
		Aggregate: testAggregation,
	}
}

// BenchmarkSeries24h100TargetsOneFigure is a panel of one figure (the
// goroutine count) of every target over 24 h.
func BenchmarkSeries24h100TargetsOneFigure(b *testing.B) {
	s := benchStore(b)
	keep := func(f string) bool { return f == "goroutines" }
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		points := 0
		for i := range benchTargets {
			series, err := s.Series(benchQuery(benchTarget(i), keep))
			if err != nil {
				b.Fatal(err)
			}
			points += len(series[0].Values)
		}
		if points < benchTargets*benchPoints*9/10 {
			b.Fatalf("%d points", points)
		}
	}
	b.ReportMetric(float64(bench.size)/(1<<20), "MiB-store")
}

// BenchmarkSeries24h100TargetsAllFigures reads every figure, the states
// over time included.
func BenchmarkSeries24h100TargetsAllFigures(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range benchTargets {
			if _, err := s.Series(benchQuery(benchTarget(i), nil)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(bench.size)/(1<<20), "MiB-store")
}

// BenchmarkSeriesLast5m100Targets is what an alert rule asks every
// evaluation: the last five minutes of one figure, every sample.
func BenchmarkSeriesLast5m100Targets(b *testing.B) {
	s := benchStore(b)
	keep := func(f string) bool { return f == "goroutines" }
	end := base.Add(benchSpan)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range benchTargets {
			q := Query{Target: benchTarget(i), From: end.Add(-5 * time.Minute), To: end, Keep: keep}
			if _, err := s.Series(q); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAppendRound100Targets is one sampling round written as the
// recorder writes it: one transaction, synced to disk.
func BenchmarkAppendRound100Targets(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "history.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := 0
	for b.Loop() {
		if err := s.Append(benchRound(r)); err != nil {
			b.Fatal(err)
		}
		r++
	}
}

// BenchmarkInMemory24h100TargetsOneFigure is the peer: the same panel
// read from samples held in memory, as the recorder kept them before the
// store existed (a slice of samples per target, each a map of figures).
// It reports the heap those samples hold.
func BenchmarkInMemory24h100TargetsOneFigure(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	mem := map[string][]Sample{}
	for r := range int(benchSpan / benchInterval) {
		for _, rec := range benchRound(r) {
			mem[rec.Target] = append(mem[rec.Target], rec.Sample)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	step := benchSpan / benchPoints
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i := range benchTargets {
			var times []time.Time
			var values []float64
			for _, sm := range mem[benchTarget(i)] {
				v, ok := sm.Values["goroutines"]
				if !ok {
					continue
				}
				slot := sm.At.Truncate(step)
				if n := len(times); n > 0 && times[n-1].Equal(slot) {
					values[n-1] = max(values[n-1], v)
					continue
				}
				times = append(times, slot)
				values = append(values, v)
			}
		}
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-heap")
	runtime.KeepAlive(mem)
}
