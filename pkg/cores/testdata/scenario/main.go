// Command scenario is a Go program whose goroutines block in the ways the
// project's demo shows (a lock-order deadlock with a pile-up behind it,
// leaked channel operations, mutex and RWMutex waits) and a few more (I/O,
// timers, sync.Cond, WaitGroup, labels, a locked thread, deep recursion,
// generics). It writes its own goroutine?debug=2 dump, prints "ready" and
// then either waits to be dumped by gcore (mode "wait") or panics so that the
// kernel writes a core with GOTRACEBACK=crash (mode "crash").
//
// Usage: scenario DUMPFILE wait|crash [SCALE]
//
// SCALE multiplies the goroutines of each pile-up (default 1, about 190
// goroutines; 620 gives over 100,000). Above 1 the dump is written with
// runtime.Stack, which has no 64 MiB cut.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"
)

var (
	waiters  = 40 // goroutines queued behind the deadlocked mutex
	leaked   = 30 // goroutines per kind of leaked channel operation
	readers  = 12 // readers queued behind a writer of an RWMutex
	sleepers = 25
	scale    = 1
)

const recursion = 130

var (
	started sync.WaitGroup
	peer    net.Conn
)

func goStart(f func()) {
	started.Add(1)
	go func() {
		started.Done()
		f()
	}()
}

func main() {
	if len(os.Args) < 3 || len(os.Args) > 4 {
		fmt.Fprintln(os.Stderr, "usage: scenario DUMPFILE wait|crash [SCALE]")
		os.Exit(2)
	}
	if len(os.Args) == 4 {
		n, err := strconv.Atoi(os.Args[3])
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "SCALE must be a positive number")
			os.Exit(2)
		}
		scale = n
		waiters, leaked, readers, sleepers = waiters*n, leaked*n, readers*n, sleepers*n
	}
	deadlock()
	leaks()
	rwPileUp()
	others()
	started.Wait()
	// Let every goroutine reach its blocking point, then have two GCs see
	// them blocked so that the runtime stamps their wait-since times.
	time.Sleep(time.Duration(min(scale, 10)) * 300 * time.Millisecond)
	runtime.GC()
	runtime.GC()
	done := make(chan struct{})
	go dump(os.Args[1], done)
	<-done
	fmt.Println("ready", os.Getpid())
	if os.Args[2] == "crash" {
		panic("scenario crashes on purpose")
	}
	select {}
}

// dump writes the debug=2 dump from a goroutine of its own, which then parks
// for good: the dump shows it running, the core shows it waiting.
func dump(path string, done chan<- struct{}) {
	f, err := os.Create(path)
	if err != nil {
		panic(err)
	}
	if scale == 1 {
		if err := pprof.Lookup("goroutine").WriteTo(f, 2); err != nil {
			panic(err)
		}
	} else {
		buf := make([]byte, 1<<30)
		if _, err := f.Write(buf[:runtime.Stack(buf, true)]); err != nil {
			panic(err)
		}
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
	close(done)
	select {}
}

// deadlock: two goroutines take two mutexes in opposite order, and waiters
// pile up behind the first.
func deadlock() {
	var first, second sync.Mutex
	var both sync.WaitGroup
	both.Add(2)
	go func() {
		first.Lock()
		both.Done()
		both.Wait()
		second.Lock()
	}()
	go func() {
		second.Lock()
		both.Done()
		both.Wait()
		first.Lock()
	}()
	both.Wait()
	for i := 0; i < waiters; i++ {
		goStart(func() { first.Lock() })
	}
}

// leaks: sends nobody receives, receives nobody sends, selects nothing
// readies, and a nil channel.
func leaks() {
	requests, replies, cancel := make(chan int), make(chan int), make(chan struct{})
	for i := 0; i < leaked; i++ {
		i := i
		goStart(func() { requests <- i })
		goStart(func() { <-replies })
		goStart(func() {
			select {
			case <-replies:
			case <-cancel:
			}
		})
	}
	var nilChan chan int
	goStart(func() { <-nilChan })
}

// rwPileUp: a writer waits for a reader that never leaves, and readers queue
// behind the writer.
func rwPileUp() {
	var mu sync.RWMutex
	mu.RLock()
	goStart(func() { mu.Lock() })
	time.Sleep(50 * time.Millisecond)
	for i := 0; i < readers; i++ {
		goStart(func() { mu.RLock() })
	}
}

func others() {
	// Timers, under pprof labels.
	for i := 0; i < sleepers; i++ {
		shard := fmt.Sprint(i % 3)
		goStart(func() {
			pprof.Do(context.Background(), pprof.Labels("job", "sleeper", "shard", shard), func(context.Context) {
				time.Sleep(time.Hour)
			})
		})
	}
	// A condition nobody signals, and a WaitGroup nobody finishes.
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	goStart(func() {
		mu.Lock()
		cond.Wait()
	})
	var wg sync.WaitGroup
	wg.Add(1)
	goStart(func() { wg.Wait() })
	// Network I/O: an accept nobody dials, and a read the peer never
	// answers (the peer is kept so that no finalizer closes it).
	idle, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	goStart(func() { _, _ = idle.Accept() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	if peer, err = ln.Accept(); err != nil {
		panic(err)
	}
	goStart(func() { _, _ = conn.Read(make([]byte, 1)) })
	// A goroutine locked to its thread.
	goStart(func() {
		runtime.LockOSThread()
		<-make(chan int)
	})
	// A deep stack.
	goStart(func() { recurse(recursion) })
	// Generic code.
	goStart(func() { waitOn[string](make(chan string)) })
}

//go:noinline
func recurse(n int) int {
	if n == 0 {
		<-make(chan int)
		return 0
	}
	return recurse(n-1) + 1
}

//go:noinline
func waitOn[T any](c chan T) T { return <-c }
