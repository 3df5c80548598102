package main

import (
	"sync/atomic"
	"time"
)

// goroutineLeak adds goroutines at a steady rate, each waiting for a reply
// nobody will ever send: the slow leak that creeps up a dashboard for hours
// before anyone notices. One leak runs at a time; what it leaked stays until
// a reset.
type goroutineLeak struct {
	held      goroutineCounter
	perSecond atomic.Int64
	max       atomic.Int64
	leaking   atomic.Bool

	stopLeaking chan struct{} // closed to end the running leak
	leakEnded   chan struct{} // closed by the leak when it ends
	neverSent   chan struct{} // leaked goroutines wait on it; release closes it
}

// start begins leaking perSecond goroutines a second until limit have leaked.
func (l *goroutineLeak) start(perSecond, limit int) error {
	if l.leaking.Load() {
		return conflict("a leak of %d goroutines a second is already running; reset first", l.perSecond.Load())
	}
	if total := l.held.count() + limit; total > maxLeakedGoroutines {
		return conflict("leaks would hold %d goroutines, more than the %d allowed; reset first", total, maxLeakedGoroutines)
	}
	if l.neverSent == nil {
		l.neverSent = make(chan struct{})
	}
	l.perSecond.Store(int64(perSecond))
	l.max.Store(int64(limit))
	l.leaking.Store(true)
	l.stopLeaking = make(chan struct{})
	l.leakEnded = make(chan struct{})
	go l.leakSteadily(time.Second/time.Duration(perSecond), limit, l.neverSent, l.stopLeaking, l.leakEnded)
	return nil
}

// leakSteadily starts one leaked goroutine every interval until limit have
// been started or stopLeaking closes.
func (l *goroutineLeak) leakSteadily(interval time.Duration, limit int, neverSent, stopLeaking <-chan struct{}, leakEnded chan<- struct{}) {
	defer close(leakEnded)
	defer l.leaking.Store(false)
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for range limit {
		select {
		case <-stopLeaking:
			return
		case <-ticker.C:
			l.held.add(1)
			go l.awaitReplyNeverSent(neverSent)
		}
	}
}

func (l *goroutineLeak) awaitReplyNeverSent(reply <-chan struct{}) {
	defer l.held.done()
	<-reply
}

// stop ends a running leak and waits for it, so nothing leaks after a reset.
func (l *goroutineLeak) stop() {
	if l.stopLeaking == nil {
		return
	}
	close(l.stopLeaking)
	<-l.leakEnded
	l.stopLeaking, l.leakEnded = nil, nil
}

// release lets every leaked goroutine return. Call stop first.
func (l *goroutineLeak) release() {
	if l.neverSent != nil {
		close(l.neverSent)
		l.neverSent = nil
	}
	l.perSecond.Store(0)
	l.max.Store(0)
}
