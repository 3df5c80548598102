// Command largecpu writes a Go program with thousands of distinct functions
// calling each other along pseudo-random paths, builds it, and runs it under
// the CPU profiler at a high sampling rate. The result is a real CPU profile
// with tens of thousands of distinct stacks over tens of thousands of
// locations, the input of the flame graph and top benchmarks.
//
// Run from the module root:
//
//	go run ./pkg/profiles/testdata/gen/largecpu -out pkg/profiles/testdata/cpu-large.pb.gz
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
)

func main() {
	out := flag.String("out", "cpu-large.pb.gz", "where the profile is written")
	funcs := flag.Int("funcs", 3000, "number of generated functions")
	calls := flag.Int("calls", 4, "call sites per generated function")
	// Linux fires the CPU timers behind SIGPROF on its scheduler tick, so
	// each thread yields at most CONFIG_HZ samples a second (250 here);
	// a higher rate would lose samples and make the profile's period lie.
	hz := flag.Int("hz", 250, "CPU profiling rate in samples per second")
	workers := flag.Int("workers", 2, "goroutines burning CPU in parallel")
	cpuSeconds := flag.Int("cpu-seconds", 300, "CPU time the program burns under the profiler")
	flag.Parse()

	dir, err := os.MkdirTemp("", "largecpu")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	files := map[string][]byte{
		"go.mod":   []byte("module largecpu\n\ngo 1.26\n"),
		"main.go":  []byte(runner),
		"funcs.go": generate(*funcs, *calls),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "largecpu")
	run(dir, "go", "build", "-o", bin, ".")
	abs, err := filepath.Abs(*out)
	if err != nil {
		log.Fatal(err)
	}
	run(dir, bin, "-out", abs, "-hz", fmt.Sprint(*hz), "-cpu-seconds", fmt.Sprint(*cpuSeconds), "-workers", fmt.Sprint(*workers))
}

func run(dir, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatalf("%s: %v", name, err)
	}
}

// generate returns the source of n functions. Each mixes its state for a
// few statements (so samples land on many lines), sometimes through a
// helper the compiler inlines, then calls one of its callees picked by the
// state, until the depth budget is spent.
func generate(n, calls int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.WriteString("package main\n\n")
	b.WriteString("func mix(x uint64) uint64 { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x }\n\n")
	fmt.Fprintf(&b, "var entries = [...]func(*state, int){")
	for i := range n {
		fmt.Fprintf(&b, "f%d, ", i)
	}
	b.WriteString("}\n\n")
	for i := range n {
		fmt.Fprintf(&b, "//go:noinline\nfunc f%d(s *state, d int) {\n\tx := s.x\n", i)
		fmt.Fprintf(&b, "\tfor i := 0; i < %d; i++ {\n", 2+rng.IntN(6))
		for range 3 + rng.IntN(6) {
			if rng.IntN(3) == 0 {
				b.WriteString("\t\tx = mix(x)\n")
			} else {
				fmt.Fprintf(&b, "\t\tx = x*%d + %d\n", 2*rng.IntN(1<<20)+1, rng.IntN(1<<30))
				fmt.Fprintf(&b, "\t\ts.acc += x >> %d\n", 1+rng.IntN(40))
			}
		}
		b.WriteString("\t}\n\ts.x = x\n\tif d <= 0 {\n\t\treturn\n\t}\n")
		// Callees come later in the list, so the call graph has no cycles
		// (one huge cycle makes the compiler's escape analysis crawl).
		if i+1 < n {
			fmt.Fprintf(&b, "\tswitch x %% %d {\n", calls)
			for c := range calls {
				fmt.Fprintf(&b, "\tcase %d:\n\t\tf%d(s, d-1)\n", c, i+1+rng.IntN(min(n-i-1, 300)))
			}
			b.WriteString("\t}\n")
		}
		b.WriteString("}\n\n")
	}
	return b.Bytes()
}

const runner = `package main

import (
	"flag"
	"log"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type state struct{ x, acc uint64 }

var sink atomic.Uint64

func main() {
	out := flag.String("out", "cpu.pb.gz", "")
	hz := flag.Int("hz", 100, "")
	cpuSeconds := flag.Int("cpu-seconds", 10, "")
	workers := flag.Int("workers", 1, "")
	flag.Parse()
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	// Setting the rate first makes StartCPUProfile keep it (it only warns).
	runtime.SetCPUProfileRate(*hz)
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			burn(&state{x: 88172645463325252 + uint64(w)}, time.Duration(*cpuSeconds)*time.Second)
		}()
	}
	wg.Wait()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// burn calls random entry functions until the process has used budget of
// CPU time; measuring CPU rather than wall time makes a busy machine yield
// the same number of samples, only later.
func burn(s *state, budget time.Duration) {
	for cpuTime() < budget {
		for range 200 {
			s.x = mix(s.x)
			entries[s.x%uint64(len(entries)/2)](s, 8+int(s.x>>60))
		}
	}
	sink.Add(s.acc)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
`
