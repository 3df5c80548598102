// Command tracebench analyzes an execution trace file the way the plugin
// does (one streaming pass of pkg/traces) and prints the totals of one
// blocking kind as `go tool trace -pprof=KIND` would sum them, its peak Go
// heap and its time; scripts/bench-traces.sh runs it beside `go tool trace`.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/traces"
)

func main() {
	kind := flag.String("kind", "sched", "blocking kind whose totals to print")
	reference := flag.String("reference", "", "`go tool trace -pprof=KIND` output to compare the totals with")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tracebench [-kind sched] TRACE")
		os.Exit(2)
	}
	k, err := traces.ParseKind(*kind)
	if err != nil {
		fail(err)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	defer f.Close()
	var peak atomic.Uint64
	stop := sampleHeap(&peak)
	start := time.Now()
	res, err := traces.Analyze(f, traces.Options{Semantics: traces.LatestSemantics})
	elapsed := time.Since(start)
	stop()
	if err != nil {
		fail(err)
	}
	var n, ns int64
	for _, b := range res.Blocking[k] {
		n += b.Count
		ns += b.Nanos
	}
	fmt.Printf("events %d, trace %v, %s: %d intervals, %d ns, %d stacks\n", res.Events, res.Duration(), k, n, ns, len(res.Blocking[k]))
	fmt.Printf("elapsed_ms %d\npeak_heap_bytes %d\n", elapsed.Milliseconds(), peak.Load())
	if *reference != "" {
		rn, rns, err := referenceTotals(*reference)
		if err != nil {
			fail(err)
		}
		agree := "agree"
		if rn != n || rns != ns {
			agree = "DIFFER"
		}
		fmt.Printf("go tool trace: %d intervals, %d ns: totals %s\n", rn, rns, agree)
	}
}

func referenceTotals(path string) (n, ns int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range p.Sample {
		n += s.Value[0]
		ns += s.Value[1]
	}
	return n, ns, nil
}

// sampleHeap records the largest live heap seen every 10 ms until stopped.
func sampleHeap(peak *atomic.Uint64) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				read()
			case <-done:
				read()
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		runtime.KeepAlive(sample)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tracebench:", err)
	os.Exit(1)
}
