// Command gen writes an execution trace of a small program of known shape
// and, in the middle of the trace, a goroutine dump of every goroutine
// (system ones included), so tests can check blocking profiles against
// `go tool trace -pprof` and goroutine states at the dump's instant against
// the dump.
//
// The workload: lock contention (sync.Mutex, sync.WaitGroup, sync.Cond),
// channel hand-offs and selects, loopback TCP round trips (network waits),
// file writes with fsync (system calls), more busy goroutines than Ps
// (scheduler latency), sleepers, goroutines blocked forever, garbage for the
// collector, and runtime/trace tasks and regions.
//
// It builds with Go 1.22 and later so every trace format can be made:
//
//	GOTOOLCHAIN=go1.22.0 go run . -out DIR
//
// The dump is bracketed by trace logs "dump" "begin"/"end"; the runtime
// stops the world while it writes it ("stop-the-world (all goroutines stack
// trace)" in the trace), so every goroutine's state is fixed there.
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/trace"
	"sync"
	"time"
)

func main() {
	out := flag.String("out", ".", "directory for trace.out and goroutines.txt")
	duration := flag.Duration("d", 400*time.Millisecond, "how long to trace")
	pairs := flag.Int("pingpong", 0, "goroutine pairs passing a token back and forth (a large trace fast)")
	flag.Parse()
	pingPongPairs = *pairs
	runtime.GOMAXPROCS(2)
	debug.SetTraceback("system")
	if err := run(*out, *duration); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(dir string, duration time.Duration) error {
	f, err := os.Create(filepath.Join(dir, "trace.out"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := trace.Start(f); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	if err := startWorkload(ctx, &wg, dir); err != nil {
		return err
	}
	time.Sleep(duration / 2)
	if err := dump(ctx, filepath.Join(dir, "goroutines.txt")); err != nil {
		return err
	}
	time.Sleep(duration / 2)
	cancel()
	wg.Wait()
	trace.Stop()
	return f.Close()
}

// dump writes every goroutine's stack (GOTRACEBACK=system shows the
// runtime's own) while the world is stopped.
func dump(ctx context.Context, path string) error {
	buf := make([]byte, 1<<20)
	trace.Log(ctx, "dump", "begin")
	n := runtime.Stack(buf, true)
	trace.Log(ctx, "dump", "end")
	return os.WriteFile(path, buf[:n], 0o644)
}

func startWorkload(ctx context.Context, wg *sync.WaitGroup, dir string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	spawn := func(n int, fn func(context.Context, int)) {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				fn(ctx, i)
			}(i)
		}
	}
	var mu sync.Mutex
	spawn(4, func(ctx context.Context, _ int) { contend(ctx, &mu) })
	jobs := make(chan []byte)
	results := make(chan [32]byte, 1)
	spawn(1, func(ctx context.Context, _ int) { produce(ctx, jobs) })
	spawn(3, func(ctx context.Context, _ int) { consume(ctx, jobs, results) })
	spawn(1, func(ctx context.Context, _ int) { drain(ctx, results) })
	cond := sync.NewCond(&sync.Mutex{})
	spawn(2, func(ctx context.Context, _ int) { awaitCond(ctx, cond) })
	spawn(1, func(ctx context.Context, _ int) { signal(ctx, cond) })
	spawn(1, func(ctx context.Context, _ int) { serve(ctx, ln) })
	spawn(2, func(ctx context.Context, _ int) { roundTrip(ctx, ln.Addr().String()) })
	spawn(2, func(ctx context.Context, i int) { writeFiles(ctx, dir, i) })
	spawn(3, func(ctx context.Context, _ int) { spin(ctx) })
	spawn(3, func(ctx context.Context, _ int) { sleeper(ctx) })
	spawn(2, func(ctx context.Context, _ int) { batches(ctx) })
	spawn(pingPongPairs, func(ctx context.Context, _ int) { pingPong(ctx) })
	for i := 0; i < 3; i++ {
		go blockForever()
	}
	return nil
}

func contend(ctx context.Context, mu *sync.Mutex) {
	for ctx.Err() == nil {
		mu.Lock()
		busy(200 * time.Microsecond)
		mu.Unlock()
		time.Sleep(100 * time.Microsecond)
	}
}

func produce(ctx context.Context, jobs chan<- []byte) {
	defer close(jobs)
	for ctx.Err() == nil {
		select {
		case jobs <- make([]byte, 16<<10):
		case <-ctx.Done():
		}
	}
}

func consume(ctx context.Context, jobs <-chan []byte, results chan<- [32]byte) {
	for b := range jobs {
		select {
		case results <- sha256.Sum256(b):
		case <-ctx.Done():
		}
		time.Sleep(time.Millisecond)
	}
}

func drain(ctx context.Context, results <-chan [32]byte) {
	for {
		select {
		case <-results:
			time.Sleep(300 * time.Microsecond)
		case <-ctx.Done():
			return
		}
	}
}

func awaitCond(ctx context.Context, cond *sync.Cond) {
	for ctx.Err() == nil {
		cond.L.Lock()
		cond.Wait()
		cond.L.Unlock()
	}
}

func signal(ctx context.Context, cond *sync.Cond) {
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			cond.Broadcast()
		case <-ctx.Done():
			for i := 0; i < 10; i++ {
				cond.Broadcast()
				time.Sleep(time.Millisecond)
			}
			return
		}
	}
}

func serve(ctx context.Context, ln net.Listener) {
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

func roundTrip(ctx context.Context, addr string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	defer c.Close()
	buf := make([]byte, 512)
	for ctx.Err() == nil {
		if _, err := c.Write(buf); err != nil {
			return
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func writeFiles(ctx context.Context, dir string, i int) {
	path := filepath.Join(dir, fmt.Sprintf(".scratch-%d", i))
	defer os.Remove(path)
	buf := make([]byte, 64<<10)
	for ctx.Err() == nil {
		f, err := os.Create(path)
		if err != nil {
			return
		}
		_, _ = f.Write(buf)
		_ = f.Sync()
		f.Close()
		time.Sleep(3 * time.Millisecond)
	}
}

func spin(ctx context.Context) {
	for ctx.Err() == nil {
		busy(3 * time.Millisecond)
		runtime.Gosched()
	}
}

func sleeper(ctx context.Context) {
	for ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
}

var sink [][]byte

// batches makes garbage inside tasks and regions.
func batches(ctx context.Context) {
	for n := 0; ctx.Err() == nil; n++ {
		tctx, task := trace.NewTask(ctx, "batch")
		trace.WithRegion(tctx, "allocate", func() {
			for i := 0; i < 64; i++ {
				sink = append(sink, make([]byte, 8<<10))
			}
		})
		trace.WithRegion(tctx, "pause", func() { time.Sleep(time.Millisecond) })
		if n%8 == 0 {
			sink = nil
		}
		task.End()
	}
}

var pingPongPairs int

// pingPong hands a token to a partner and back: two scheduler events per
// hand-off, the densest trace a real program writes.
func pingPong(ctx context.Context) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
		close(pong)
	}()
	for v := 0; ctx.Err() == nil; {
		ping <- v
		v = <-pong
	}
	close(ping)
	for range pong {
	}
}

func blockForever() {
	select {}
}

// busy keeps the CPU for about d.
func busy(d time.Duration) {
	end := time.Now().Add(d)
	x := 1
	for time.Now().Before(end) {
		for i := 0; i < 1000; i++ {
			x = x*31 + i
		}
	}
	if x == 42 {
		fmt.Println()
	}
}
