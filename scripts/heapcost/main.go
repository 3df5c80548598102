// Command heapcost measures what reading /debug/pprof/heap?debug=1 costs a
// live Go service, next to the endpoints the recorder already reads every
// interval (the pprof index page and the Prometheus /metrics page) and the
// protobuf heap profile that profile queries read. The metrics query reads
// heap in use from the runtime.MemStats block at the end of heap?debug=1
// when a target has no metrics URL; these figures decide how often it may.
//
// It runs two services: the demo target (every misbehaviour started) and a
// process whose heap profile holds -wide distinct allocation stacks, as a
// large service's does after days of traffic. Each gets -load clients
// requesting a cheap page without pause. For every endpoint it reports the
// body size, the fetch latency under that load, the service's CPU time per
// fetch (measured without the load, from /proc) and the latency the load's
// own requests saw while the endpoint was being fetched, beside a phase
// with no fetch at all.
//
// Usage: go run ./scripts/heapcost [-n 30] [-load 4] [-wide 4096]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat times.
const clockTicks = 100

func main() {
	n := flag.Int("n", 30, "fetches of each endpoint per phase")
	load := flag.Int("load", 4, "concurrent clients loading each service")
	wide := flag.Int("wide", 4096, "distinct allocation stacks of the second service (a power of two)")
	serveWide := flag.String("serve-wide", "", "internal: serve a wide heap profile on this address")
	flag.Parse()
	if *serveWide != "" {
		serveWideHeap(*serveWide, *wide)
		return
	}
	tmp, err := os.MkdirTemp("", "heapcost")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	demo := filepath.Join(tmp, "demo")
	if out, err := exec.Command("go", "build", "-o", demo, "./demo").CombinedOutput(); err != nil {
		log.Fatalf("building the demo (run from the repository root): %v\n%s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s, GOMAXPROCS %d, %d fetches per endpoint, %d load clients\n\n", runtime.Version(), runtime.GOMAXPROCS(0), *n, *load)
	measure("demo target, every misbehaviour started", func(addr string) *exec.Cmd {
		return exec.Command(demo, "-addr", addr, "-scenario", "all")
	}, "/metrics", *n, *load)
	measure(fmt.Sprintf("service with %d allocation stacks in its heap profile", *wide), func(addr string) *exec.Cmd {
		return exec.Command(self, "-serve-wide", addr, "-wide", strconv.Itoa(*wide))
	}, "", *n, *load)
}

type endpoint struct{ name, path string }

type result struct {
	endpoint
	bytes                 int
	fetchMedian, fetchP95 time.Duration
	cpuPerFetch           time.Duration
	loadP99, loadMax      time.Duration
}

func measure(title string, command func(addr string) *exec.Cmd, metricsPath string, n, load int) {
	addr := freeAddress()
	cmd := command(addr)
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	waitUp(base + "/debug/pprof/")
	time.Sleep(2 * time.Second) // let the scenarios settle

	endpoints := []endpoint{{"no fetch (peer)", ""}, {"index page", "/debug/pprof/"}}
	if metricsPath != "" {
		endpoints = append(endpoints, endpoint{"/metrics", metricsPath})
	}
	endpoints = append(endpoints,
		endpoint{"heap?debug=1", "/debug/pprof/heap?debug=1"},
		endpoint{"heap (protobuf)", "/debug/pprof/heap"})

	pid := cmd.Process.Pid
	var results []result
	for _, e := range endpoints {
		r := result{endpoint: e}
		// Quiet phase: the service's own CPU time per fetch.
		cpuBefore := cpuTime(pid)
		for range n {
			if e.path == "" {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			body, _ := fetch(base + e.path)
			r.bytes = len(body)
		}
		r.cpuPerFetch = (cpuTime(pid) - cpuBefore) / time.Duration(n)
		// Loaded phase: fetch latency, and what the load's requests saw.
		ctx, stop := context.WithCancel(context.Background())
		latencies := startLoad(ctx, base+"/debug/pprof/cmdline", load)
		var fetches []time.Duration
		for range n {
			start := time.Now()
			if e.path == "" {
				time.Sleep(20 * time.Millisecond)
			} else {
				fetch(base + e.path)
			}
			fetches = append(fetches, time.Since(start))
			time.Sleep(20 * time.Millisecond)
		}
		stop()
		ls := latencies()
		r.fetchMedian, r.fetchP95 = quantile(fetches, 0.5), quantile(fetches, 0.95)
		r.loadP99, r.loadMax = quantile(ls, 0.99), quantile(ls, 1)
		results = append(results, r)
	}
	report(title, results, n)
}

func report(title string, results []result, n int) {
	// CPU time comes in clock ticks; a fetch cheaper than a tick over n
	// fetches reads as zero.
	resolution := time.Second / clockTicks / time.Duration(n)
	cpu := func(d time.Duration) string {
		if d == 0 {
			return "< " + ms(resolution)
		}
		return ms(d)
	}
	fmt.Println(title)
	fmt.Printf("  %-16s %10s %12s %10s %14s %13s %13s\n", "endpoint", "bytes", "fetch p50", "fetch p95", "service CPU", "load p99", "load max")
	for _, r := range results {
		fmt.Printf("  %-16s %10d %12s %10s %14s %13s %13s\n", r.name, r.bytes, ms(r.fetchMedian), ms(r.fetchP95), cpu(r.cpuPerFetch), ms(r.loadP99), ms(r.loadMax))
	}
	index, heap := results[1], results[slices.IndexFunc(results, func(r result) bool { return r.name == "heap?debug=1" })]
	atLeast := ""
	if index.cpuPerFetch == 0 {
		atLeast = "at least "
	}
	fmt.Printf("  heap?debug=1 / index page: %.0fx bytes, %.0fx fetch p50, %s%.0fx service CPU\n\n",
		float64(heap.bytes)/float64(index.bytes), float64(heap.fetchMedian)/float64(index.fetchMedian),
		atLeast, float64(max(heap.cpuPerFetch, resolution))/float64(max(index.cpuPerFetch, resolution)))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// startLoad runs clients requesting url without pause until ctx ends; the
// returned function waits for them and returns every request's latency.
func startLoad(ctx context.Context, url string, clients int) func() []time.Duration {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil {
				start := time.Now()
				if _, err := fetch(url); err == nil {
					mine = append(mine, time.Since(start))
				}
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	return func() []time.Duration {
		wg.Wait()
		return all
	}
}

var client = &http.Client{Timeout: time.Minute}

func fetch(url string) ([]byte, error) {
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// cpuTime is the user plus system time a process has used.
func cpuTime(pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		log.Fatal(err)
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

func freeAddress() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitUp(url string) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := fetch(url); err == nil {
			return
		}
		if time.Now().After(deadline) {
			log.Fatalf("%s did not answer within 30 s", url)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// retained keeps the wide heap's allocations live, so they stay in the
// in-use part of the profile.
var retained [][]byte

// serveWideHeap allocates from `stacks` distinct call stacks (a binary
// tree of calls, log2(stacks) deep), recording every allocation, and serves
// net/http/pprof on addr.
func serveWideHeap(addr string, stacks int) {
	runtime.MemProfileRate = 1
	depth := 0
	for 1<<depth < stacks {
		depth++
	}
	for path := range stacks {
		left(depth, path)
	}
	runtime.MemProfileRate = 512 * 1024
	runtime.GC()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	log.Fatal(http.ListenAndServe(addr, mux))
}

// left and right call each other down the bits of path, so each path is a
// distinct stack at the allocation.
//
//go:noinline
func left(depth, path int) {
	branch(depth, path)
}

//go:noinline
func right(depth, path int) {
	branch(depth, path)
}

func branch(depth, path int) {
	if depth == 0 {
		retained = append(retained, make([]byte, 64))
		return
	}
	if path&1 == 0 {
		left(depth-1, path>>1)
	} else {
		right(depth-1, path>>1)
	}
}
