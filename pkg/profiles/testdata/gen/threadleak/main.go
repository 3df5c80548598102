// Command threadleak leaks OS threads the way services do, and writes the
// threadcreate profile it ends with, as protobuf and as debug=1 text
// captured together. It is its own module, declaring an old Go, so that
// every toolchain from Go 1.19 on builds it:
//
//	cd pkg/profiles/testdata/gen/threadleak
//	GOTOOLCHAIN=go1.21.0 go run . -out ../../threadcreate/go1.21
//
// Goroutines locked to their threads (runtime.LockOSThread) that then block
// keep their thread to themselves, so the scheduler starts new ones to run
// the rest; goroutines blocked in system calls do the same through sysmon.
// The thread started by a goroutine's own LockOSThread call has its
// creation stack recorded; the threads the scheduler starts from its own
// stack have none.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

func main() {
	out := flag.String("out", ".", "directory for threadcreate.pb.gz and threadcreate.debug1.txt")
	locked := flag.Int("locked", 8, "goroutines that lock their thread and block on a channel")
	sleepers := flag.Int("syscalls", 4, "goroutines blocked in a system call")
	flag.Parse()

	var started sync.WaitGroup
	block := make(chan struct{})
	for i := 0; i < *locked; i++ {
		started.Add(1)
		go lockedWaiter(&started, block)
	}
	for i := 0; i < *sleepers; i++ {
		started.Add(1)
		go syscallSleeper(&started)
	}
	started.Wait()
	// Work for the threads left: the scheduler starts more to run it.
	var busy sync.WaitGroup
	for i := 0; i < 2*runtime.GOMAXPROCS(0); i++ {
		busy.Add(1)
		go spin(&busy)
	}
	busy.Wait()
	// Let sysmon notice the system calls and hand their Ps off.
	time.Sleep(100 * time.Millisecond)

	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	write(filepath.Join(*out, "threadcreate.pb.gz"), 0)
	write(filepath.Join(*out, "threadcreate.debug1.txt"), 1)
	log.Printf("%s: %d threads created", runtime.Version(), pprof.Lookup("threadcreate").Count())
}

func lockedWaiter(started *sync.WaitGroup, block chan struct{}) {
	runtime.LockOSThread()
	started.Done()
	<-block
}

func syscallSleeper(started *sync.WaitGroup) {
	started.Done()
	ts := syscall.Timespec{Sec: 3600}
	for {
		_ = syscall.Nanosleep(&ts, nil)
	}
}

func spin(done *sync.WaitGroup) {
	defer done.Done()
	x := 0
	for i := 0; i < 20000000; i++ {
		x += i
	}
	_ = x
}

func write(path string, debug int) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.Lookup("threadcreate").WriteTo(f, debug); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
