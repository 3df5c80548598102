package main

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// resetWait bounds how long a reset waits for released goroutines to return.
const resetWait = 10 * time.Second

// service holds every misbehaviour. Starting and resetting are serialised by
// mu; /state and /metrics read only atomics, so they answer even while a
// reset is waiting for goroutines to finish.
type service struct {
	mu        sync.Mutex
	deadlock  deadlock
	chanBlock channelBlock
	leak      goroutineLeak
	memory    memoryHold
	threads   threadLeak
	cpu       cpuSpin
	spike     spike
}

// reset releases every misbehaviour, waits up to resetWait for the
// goroutines they held to return, and hands freed memory back to the OS.
func (s *service) reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leak.stop()
	s.cpu.stop()
	s.spike.stop()
	s.deadlock.release()
	s.chanBlock.release()
	s.leak.release()
	s.threads.release()
	s.memory.release()

	err := s.waitForHeldGoroutines(resetWait)
	debug.FreeOSMemory()
	return err
}

// waitForHeldGoroutines polls until no misbehaviour holds a goroutine.
func (s *service) waitForHeldGoroutines(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for s.heldGoroutines() > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d goroutines still held %s after reset", s.heldGoroutines(), timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// heldGoroutines is how many goroutines the misbehaviours keep alive.
func (s *service) heldGoroutines() int {
	return s.deadlock.held.count() + s.chanBlock.held.count() + s.leak.held.count() +
		s.threads.held.count() + s.cpu.held.count()
}

// goroutineCounter counts the goroutines one misbehaviour keeps alive. Each
// is counted before its go statement and uncounted when it returns, so the
// count is exactly what a reset still has to wait for.
type goroutineCounter struct{ live atomic.Int64 }

func (c *goroutineCounter) add(n int)  { c.live.Add(int64(n)) }
func (c *goroutineCounter) done()      { c.live.Add(-1) }
func (c *goroutineCounter) count() int { return int(c.live.Load()) }

// requestError is a refusal the caller can fix, with the HTTP status that
// says how: 400 for a bad parameter, 409 for a clash with what is running.
type requestError struct {
	status  int
	message string
}

func (e *requestError) Error() string { return e.message }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &requestError{status: http.StatusConflict, message: fmt.Sprintf(format, args...)}
}

// statusOf maps an error to the HTTP status it should be answered with.
func statusOf(err error) int {
	if re, ok := errors.AsType[*requestError](err); ok {
		return re.status
	}
	return http.StatusInternalServerError
}
