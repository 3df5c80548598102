//go:build unix

package main

import (
	"fmt"
	"runtime"
	"syscall"
)

// threadLeak parks goroutines in blocking read system calls. A goroutine in
// a system call keeps its OS thread, so each one holds a thread the
// scheduler cannot use: the thread leak of a service whose goroutines call
// blocking syscalls or C code. The pipes come from syscall.Pipe rather than
// os.Pipe so they stay in blocking mode and out of the network poller, which
// would otherwise park the goroutine without a thread.
type threadLeak struct {
	held goroutineCounter
	// writeEnds are the pipes' write ends; closing one wakes its reader.
	writeEnds []int
}

// start parks n goroutines in read system calls, each on its own pipe.
func (t *threadLeak) start(n int) error {
	if total := t.held.count() + n; total > maxLeakedThreads {
		return conflict("thread leaks would hold %d threads, more than the %d allowed; reset first", total, maxLeakedThreads)
	}
	for range n {
		var fds [2]int
		if err := syscall.Pipe(fds[:]); err != nil {
			return fmt.Errorf("creating a pipe after %d threads: %w", t.held.count(), err)
		}
		t.held.add(1)
		go t.readPipeNobodyWrites(fds[0])
		t.writeEnds = append(t.writeEnds, fds[1])
	}
	return nil
}

// readPipeNobodyWrites blocks in read(2) until the pipe's write end closes.
// It locks its thread and returns without unlocking, which makes the runtime
// end the thread instead of keeping it as an idle one, so after a reset the
// process's thread count falls back.
func (t *threadLeak) readPipeNobodyWrites(fd int) {
	defer t.held.done()
	runtime.LockOSThread()
	var buf [1]byte
	for {
		if _, err := syscall.Read(fd, buf[:]); err != syscall.EINTR {
			break
		}
	}
	syscall.Close(fd)
}

// release closes every write end; each reader's read returns end of file.
func (t *threadLeak) release() {
	for _, fd := range t.writeEnds {
		syscall.Close(fd)
	}
	t.writeEnds = nil
}
