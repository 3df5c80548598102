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
	// wake, closed on release, is what the locked waiters wait on.
	wake chan struct{}
}

// start parks n goroutines in read system calls, each on its own pipe,
// and locked goroutines that lock their thread and wait on a channel.
func (t *threadLeak) start(n, locked int) error {
	if total := t.held.count() + n + locked; total > maxLeakedThreads {
		return conflict("thread leaks would hold %d threads, more than the %d allowed; reset first", total, maxLeakedThreads)
	}
	if locked > 0 && t.wake == nil {
		t.wake = make(chan struct{})
	}
	for range locked {
		t.held.add(1)
		go t.waitLocked(t.wake)
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

// waitLocked locks its thread and waits on a channel until the reset. A
// goroutine locked to its thread keeps the thread while it waits on
// anything, not only in a system call, and the thread runs nothing else
// meanwhile: the thread leak of code that locks a thread for a C library
// or a namespace and then blocks on a channel. It returns without
// unlocking, so the runtime ends the thread.
func (t *threadLeak) waitLocked(wake <-chan struct{}) {
	defer t.held.done()
	runtime.LockOSThread()
	<-wake
}

// release closes every write end, waking each reader with end of file,
// and wakes the locked waiters.
func (t *threadLeak) release() {
	for _, fd := range t.writeEnds {
		syscall.Close(fd)
	}
	t.writeEnds = nil
	if t.wake != nil {
		close(t.wake)
		t.wake = nil
	}
}
