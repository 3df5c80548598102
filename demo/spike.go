package main

import (
	"log"
	"time"
)

// The spike scenario: a while after startup, the goroutines and memory of
// the process jump at once, as in an incident, so the data source's capture
// rules (provisioned with docker compose) capture it within minutes of
// `docker compose up`. The delay leaves the recorder time for the samples
// a "diff" rule compares with.
const (
	spikeDelay      = 4 * time.Minute
	spikeGoroutines = 1500
	spikeMiB        = 96
)

// spike is the pending jump of the spike scenario.
type spike struct{ timer *time.Timer }

// scheduleSpike makes the process jump after d: a deadlock with spikeGoroutines
// waiters and spikeMiB MiB more held, which a reset releases as usual.
// The caller holds s.mu.
func (s *service) scheduleSpike(d time.Duration) {
	s.spike.stop()
	var timer *time.Timer
	timer = time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		// A reset between the timer firing and the lock cancelled it.
		if s.spike.timer != timer {
			return
		}
		s.spike.timer = nil
		if err := s.deadlock.start(spikeGoroutines); err != nil {
			log.Printf("spike: %v", err)
		}
		if err := s.memory.start(spikeMiB); err != nil {
			log.Printf("spike: %v", err)
		}
	})
	s.spike.timer = timer
}

// stop cancels a spike that has not struck yet.
func (p *spike) stop() {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
}
