// Command generate writes the testdata files under go1.26/ that the other
// sample sets lack, from a real Go runtime (built with -trimpath so that the
// stack frames carry no local paths):
//
//	go build -trimpath -o /tmp/gen ./testdata/generate && /tmp/gen sigquit > testdata/go1.26/sigquit.txt
//	go build -trimpath -race -o /tmp/gen-race ./testdata/generate && /tmp/gen-race race 2> testdata/go1.26/race.txt
//	GOEXPERIMENT=goroutineleakprofile go build -trimpath -o /tmp/gen-leak ./testdata/generate &&
//		/tmp/gen-leak goroutineleak > testdata/go1.26/goroutineleak.pb.gz
//	/tmp/gen block > testdata/go1.26/block.pb.gz
//	/tmp/gen mutex > testdata/go1.26/mutex.pb.gz
//
// It lives under testdata so that go build and go vet ignore it.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: generate sigquit|sigquit-child|race|goroutineleak|block|mutex")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "sigquit":
		sigquit()
	case "sigquit-child":
		blockSome()
		fmt.Println("ready")
		select {}
	case "race":
		race()
	case "goroutineleak":
		goroutineLeak()
	case "block", "mutex":
		contention(os.Args[1])
	}
}

var mu sync.Mutex

// blockSome leaves goroutines waiting in a few different states.
func blockSome() {
	ch := make(chan int)
	mu.Lock()
	for range 3 {
		go func() { <-ch }()
	}
	go func() { mu.Lock() }()
	go func() { time.Sleep(time.Hour) }()
	time.Sleep(100 * time.Millisecond)
}

// sigquit runs itself as a child, sends it SIGQUIT and prints what the
// runtime wrote to the child's standard error.
func sigquit() {
	cmd := exec.Command(os.Args[0], "sigquit-child")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		panic(err)
	}
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	ready := make([]byte, len("ready\n"))
	if _, err := io.ReadFull(stdout, ready); err != nil {
		panic(err)
	}
	if err := cmd.Process.Signal(syscall.SIGQUIT); err != nil {
		panic(err)
	}
	_ = cmd.Wait()
	os.Stdout.Write(stderr.Bytes())
}

// race writes one variable from two goroutines without synchronisation.
func race() {
	counter := 0
	done := make(chan bool)
	go func() {
		counter++
		done <- true
	}()
	counter++
	<-done
	fmt.Println(counter)
}

// goroutineLeak leaves goroutines blocked on channels nothing else can reach
// and writes the goroutineleak profile in protobuf form.
func goroutineLeak() {
	for range 4 {
		ch := make(chan int)
		go func() { <-ch }()
	}
	time.Sleep(100 * time.Millisecond)
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		fmt.Fprintln(os.Stderr, "goroutineleak profile not available: set GOEXPERIMENT=goroutineleakprofile")
		os.Exit(1)
	}
	if err := p.WriteTo(os.Stdout, 0); err != nil {
		panic(err)
	}
}

// contention makes goroutines wait on a contended mutex, a channel and a
// WaitGroup, and writes the block or mutex profile in protobuf form.
func contention(name string) {
	runtime.SetBlockProfileRate(1)
	runtime.SetMutexProfileFraction(1)
	var wg sync.WaitGroup
	ch := make(chan int)
	for i := range 8 {
		wg.Go(func() {
			mu.Lock()
			time.Sleep(time.Millisecond)
			mu.Unlock()
			if i%2 == 0 {
				ch <- i
			} else {
				<-ch
			}
		})
	}
	wg.Wait()
	if err := pprof.Lookup(name).WriteTo(os.Stdout, 0); err != nil {
		panic(err)
	}
}
