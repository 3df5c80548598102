package main

import "sync"

// deadlock reproduces a goroutine explosion behind a lock-order deadlock:
// two goroutines take the same two mutexes in opposite order and block each
// other for good, and every later goroutine that needs the first mutex
// queues behind them.
type deadlock struct {
	held  goroutineCounter
	pairs []*mutexPair
}

// mutexPair is the two mutexes one deadlock is made of.
type mutexPair struct{ first, second sync.Mutex }

// start builds a new deadlocked pair and queues waiters goroutines on its
// first mutex. It returns once the pair holds one mutex each, so the
// deadlock is certain before any waiter arrives.
func (d *deadlock) start(waiters int) error {
	if total := d.held.count() + 2 + waiters; total > maxDeadlockGoroutines {
		return conflict("deadlocks would hold %d goroutines, more than the %d allowed; reset first", total, maxDeadlockGoroutines)
	}
	pair := &mutexPair{}
	var firstTaken sync.WaitGroup
	firstTaken.Add(2)
	bothTaken := make(chan struct{})
	d.held.add(2 + waiters)
	go d.lockFirstThenSecond(pair, &firstTaken, bothTaken)
	go d.lockSecondThenFirst(pair, &firstTaken, bothTaken)
	firstTaken.Wait()
	close(bothTaken)
	for range waiters {
		go d.waitForFirst(pair)
	}
	d.pairs = append(d.pairs, pair)
	return nil
}

// lockFirstThenSecond holds first and blocks forever on second. It never
// unlocks first itself: release does that on its behalf, which is what
// breaks the deadlock.
func (d *deadlock) lockFirstThenSecond(p *mutexPair, firstTaken *sync.WaitGroup, bothTaken <-chan struct{}) {
	defer d.held.done()
	p.first.Lock()
	firstTaken.Done()
	<-bothTaken
	p.second.Lock()
	p.second.Unlock()
}

// lockSecondThenFirst holds second and blocks forever on first.
func (d *deadlock) lockSecondThenFirst(p *mutexPair, firstTaken *sync.WaitGroup, bothTaken <-chan struct{}) {
	defer d.held.done()
	p.second.Lock()
	firstTaken.Done()
	<-bothTaken
	p.first.Lock()
	p.first.Unlock()
	p.second.Unlock()
}

// waitForFirst is the piled-up goroutine: it needs first for a moment.
func (d *deadlock) waitForFirst(p *mutexPair) {
	defer d.held.done()
	p.first.Lock()
	p.first.Unlock()
}

// release unlocks each pair's first mutex on behalf of lockFirstThenSecond.
// A Go mutex is not owned by a goroutine, so any goroutine may unlock it.
// The waiters then take first in turn, lockSecondThenFirst gets it, finishes
// and frees second, and lockFirstThenSecond finally completes.
func (d *deadlock) release() {
	for _, p := range d.pairs {
		p.first.Unlock()
	}
	d.pairs = nil
}
