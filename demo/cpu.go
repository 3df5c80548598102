package main

import (
	"crypto/sha256"
	"sync/atomic"
	"time"
)

// cpuSpin keeps worker goroutines busy hashing for a bounded time, so a CPU
// profile has a clear hot path. One spin runs at a time.
type cpuSpin struct {
	held      goroutineCounter
	untilNano atomic.Int64
	stopSpin  chan struct{} // closed to end the spin early
}

// start runs workers goroutines that burn CPU for d.
func (c *cpuSpin) start(workers int, d time.Duration) error {
	if n := c.held.count(); n > 0 {
		return conflict("a CPU spin of %d goroutines is already running; reset first or wait for it to end", n)
	}
	until := time.Now().Add(d)
	c.untilNano.Store(until.UnixNano())
	c.stopSpin = make(chan struct{})
	c.held.add(workers)
	for range workers {
		go c.burnCPU(until, c.stopSpin)
	}
	return nil
}

// burnCPU hashes its own output until the deadline passes or stopSpin
// closes, checking both every thousand hashes, about every few hundred
// microseconds.
func (c *cpuSpin) burnCPU(until time.Time, stopSpin <-chan struct{}) {
	defer c.held.done()
	var sum [sha256.Size]byte
	for time.Now().Before(until) {
		select {
		case <-stopSpin:
			return
		default:
		}
		for range 1000 {
			sum = sha256.Sum256(sum[:])
		}
	}
}

// secondsLeft is how long the running spin has to go, 0 when none runs.
func (c *cpuSpin) secondsLeft() float64 {
	if c.held.count() == 0 {
		return 0
	}
	return max(0, time.Until(time.Unix(0, c.untilNano.Load())).Seconds())
}

// stop ends a running spin early.
func (c *cpuSpin) stop() {
	if c.stopSpin != nil {
		close(c.stopSpin)
		c.stopSpin = nil
	}
}
