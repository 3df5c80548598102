// Command profiles runs small workloads with known shapes and writes every
// profile a Go process serves, as protobuf and, for the profiles the runtime
// also prints as text, as debug=1 text captured from the same data.
//
// Run from the module root (the goroutine leak profile needs the experiment
// in Go 1.26):
//
//	GOEXPERIMENT=goroutineleakprofile go run ./pkg/profiles/testdata/gen/profiles -out pkg/profiles/testdata
package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var outDir = flag.String("out", ".", "directory the profiles are written to")

func main() {
	// Sample every 64 KiB so the heap profile is scaled like a real one
	// while still holding enough records to be interesting.
	runtime.MemProfileRate = 64 << 10
	cpuFor := flag.Duration("cpu", 4*time.Second, "how long the CPU profile runs")
	flag.Parse()

	captureCPU(*cpuFor)
	captureHeap()
	captureContention()
	captureThreads()
	captureGoroutines()
	captureLeaks()
}

// write stores a profile; debug=0 output is already gzipped by the runtime.
func write(name string, debug int) {
	p := pprof.Lookup(name)
	if p == nil {
		log.Printf("profile %q is not served by this runtime; skipped", name)
		return
	}
	var buf bytes.Buffer
	if err := p.WriteTo(&buf, debug); err != nil {
		log.Fatal(err)
	}
	file := name + ".pb.gz"
	if debug > 0 {
		file = name + ".debug1.txt"
	}
	save(file, buf.Bytes())
}

func save(file string, b []byte) {
	if err := os.WriteFile(filepath.Join(*outDir, file), b, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s (%d bytes)", file, len(b))
}

// CPU: two labelled workers doing real standard-library work.

func captureCPU(d time.Duration) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		log.Fatal(err)
	}
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for _, worker := range []string{"ingest", "report"} {
		wg.Add(1)
		go pprof.Do(context.Background(), pprof.Labels("worker", worker), func(context.Context) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if worker == "ingest" {
					ingestBatch(200)
				} else {
					renderReport(150)
				}
			}
		})
	}
	wg.Wait()
	pprof.StopCPUProfile()
	save("cpu.pb.gz", buf.Bytes())
}

type record struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Score float64  `json:"score"`
}

var cpuSink int

func ingestBatch(n int) {
	recs := make([]record, 0, n)
	for i := range n {
		recs = append(recs, parseRecord(fmt.Sprintf(`{"id":%d,"name":"item-%d","tags":["a","b","c"],"score":%d.5}`, i, i, i)))
	}
	for _, r := range recs {
		cpuSink += int(checksum(r.Name)[0])
	}
}

func parseRecord(s string) record {
	var r record
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		panic(err)
	}
	return r
}

func checksum(s string) [32]byte {
	sum := sha256.Sum256([]byte(s))
	for range 20 {
		sum = sha256.Sum256(sum[:])
	}
	return sum
}

func renderReport(n int) {
	rows := make([]string, 0, n)
	for i := range n {
		rows = append(rows, formatRow(i))
	}
	slices.Sort(rows)
	cpuSink += len(strings.Join(rows, "\n"))
}

func formatRow(i int) string {
	var b strings.Builder
	for j := range 12 {
		b.WriteString(padLeft(strconv.Itoa(i*j), 8))
	}
	return b.String()
}

// padLeft is small enough to be inlined into formatRow.
func padLeft(s string, w int) string {
	if len(s) >= w {
		return s
	}
	return strings.Repeat(" ", w-len(s)) + s
}

// Heap and allocs: retained objects on three paths, plus garbage.

var retained [][]byte

func captureHeap() {
	fillCache(2000, 4<<10)
	buildIndex(50000)
	for range 20 {
		churn(1000)
	}
	// Two cycles publish the allocations made above; with the collector
	// off afterwards both encodings read the same published data.
	runtime.GC()
	runtime.GC()
	old := debug.SetGCPercent(-1)
	write("heap", 0)
	write("heap", 1)
	write("allocs", 0)
	write("allocs", 1)
	debug.SetGCPercent(old)
}

func fillCache(n, size int) {
	for range n {
		retained = append(retained, make([]byte, size))
	}
}

var index map[string][]int

func buildIndex(n int) {
	index = make(map[string][]int)
	for i := range n {
		k := "key-" + strconv.Itoa(i%5000)
		index[k] = append(index[k], i)
	}
}

func churn(n int) {
	var garbage [][]byte
	for i := range n {
		garbage = append(garbage, make([]byte, 512+i%1024))
	}
	cpuSink += len(garbage)
}

// Block and mutex: goroutines contending on a mutex, a channel and a
// condition variable. Block sampling is then turned off so both encodings
// read the same records; mutex sampling stays at a fraction of 2, which the
// text encoding prints as its sampling period.

func captureContention() {
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(2)
	contendMutex(8, 30)
	handOff(200)
	waitForSignal(4)
	runtime.SetBlockProfileRate(0)
	write("block", 0)
	write("block", 1)
	write("mutex", 0)
	write("mutex", 1)
	runtime.SetMutexProfileFraction(0)
}

func contendMutex(workers, rounds int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				holdLock(&mu)
			}
		}()
	}
	wg.Wait()
}

func holdLock(mu *sync.Mutex) {
	mu.Lock()
	time.Sleep(100 * time.Microsecond)
	mu.Unlock()
}

func handOff(n int) {
	ch := make(chan int)
	done := make(chan struct{})
	go func() {
		for range ch {
			time.Sleep(50 * time.Microsecond)
		}
		close(done)
	}()
	for i := range n {
		ch <- i
	}
	close(ch)
	<-done
}

func waitForSignal(waiters int) {
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := false
	var wg sync.WaitGroup
	for range waiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mu.Lock()
			for !ready {
				cond.Wait()
			}
			mu.Unlock()
		}()
	}
	time.Sleep(20 * time.Millisecond)
	mu.Lock()
	ready = true
	cond.Broadcast()
	mu.Unlock()
	wg.Wait()
}

// Threads: goroutines locked to their threads and blocked in a system call
// force the runtime to start new threads.

func captureThreads() {
	var started sync.WaitGroup
	for range 6 {
		started.Add(1)
		go pinnedSleeper(&started)
	}
	started.Wait()
	write("threadcreate", 0)
	write("threadcreate", 1)
}

func pinnedSleeper(started *sync.WaitGroup) {
	runtime.LockOSThread()
	started.Done()
	ts := syscall.Timespec{Sec: 3600}
	for {
		_ = syscall.Nanosleep(&ts, nil)
	}
}

// Goroutines: parked in known states, some with pprof labels.

// The goroutines below wait on a channel and a mutex that stay reachable,
// so the leak profile does not count them.
var (
	orders    = make(chan int)
	inventory sync.Mutex
)

func captureGoroutines() {
	inventory.Lock()
	for _, h := range []struct {
		handler string
		n       int
	}{{"/api/orders", 30}, {"/api/users", 20}} {
		pprof.Do(context.Background(), pprof.Labels("handler", h.handler), func(context.Context) {
			for range h.n {
				go awaitOrder(orders)
			}
		})
	}
	for range 15 {
		go lockInventory(&inventory)
	}
	for range 10 {
		go idleTicker()
	}
	time.Sleep(200 * time.Millisecond)
	write("goroutine", 0)
	write("goroutine", 1)
}

func awaitOrder(ch chan int) { cpuSink += <-ch }

func lockInventory(mu *sync.Mutex) {
	mu.Lock()
	cpuSink++
	mu.Unlock()
}

func idleTicker() {
	for {
		time.Sleep(time.Hour)
	}
}

// Leaks: goroutines blocked on channels nobody can reach any more, the
// shape the goroutine leak profile detects.

func captureLeaks() {
	pprof.Do(context.Background(), pprof.Labels("handler", "/search"), func(context.Context) {
		for range 5 {
			lookupWithTimeout()
		}
	})
	for range 4 {
		startAbandoned()
	}
	time.Sleep(100 * time.Millisecond)
	write("goroutineleak", 0)
	write("goroutineleak", 1)
}

// lookupWithTimeout gives up before the lookup answers, leaving the sender
// blocked on a channel only it can still see.
func lookupWithTimeout() {
	result := make(chan int)
	go func() { result <- slowLookup() }()
	select {
	case v := <-result:
		cpuSink += v
	case <-time.After(time.Millisecond):
	}
}

func slowLookup() int {
	time.Sleep(10 * time.Millisecond)
	return 42
}

func startAbandoned() {
	jobs := make(chan int)
	go drain(jobs)
}

func drain(jobs chan int) {
	for j := range jobs {
		cpuSink += j
	}
}
