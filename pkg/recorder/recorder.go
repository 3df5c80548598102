// Package recorder samples cheap figures of every target (goroutines,
// threads, memory) at a fixed interval and keeps a bounded history in
// memory, so time series panels and alert rules over a range have data
// without any agent in the service.
package recorder

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Sample is one reading of a target: figure name → value. A failed reading
// is recorded with up=0 so a gap is visible as such.
type Sample struct {
	At     time.Time
	Values map[string]float64
}

// SampleFunc reads one target now.
type SampleFunc func(ctx context.Context, target string) map[string]float64

// Recorder samples a fixed set of targets until stopped.
type Recorder struct {
	interval  time.Duration
	retention time.Duration
	sample    SampleFunc
	targets   []string
	now       func() time.Time

	mu      sync.RWMutex
	history map[string][]Sample
	started time.Time

	stop chan struct{}
	done chan struct{}
}

// New returns a recorder; call Start to begin sampling.
func New(targets []string, interval, retention time.Duration, sample SampleFunc) *Recorder {
	return &Recorder{
		interval:  interval,
		retention: retention,
		sample:    sample,
		targets:   targets,
		now:       time.Now,
		history:   map[string][]Sample{},
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
}

// Start samples every target at once and then every interval.
func (r *Recorder) Start() {
	r.started = r.now()
	go r.loop()
}

// Stop ends sampling and waits for the current round to finish.
func (r *Recorder) Stop() {
	close(r.stop)
	<-r.done
}

func (r *Recorder) loop() {
	defer close(r.done)
	ticker := time.NewTicker(r.interval)
	defer ticker.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-r.stop
		cancel()
	}()
	for {
		r.round(ctx)
		select {
		case <-r.stop:
			return
		case <-ticker.C:
		}
	}
}

func (r *Recorder) round(ctx context.Context) {
	var wg sync.WaitGroup
	for _, t := range r.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := r.now()
			values := r.sample(ctx, t)
			if ctx.Err() != nil {
				return
			}
			r.add(t, Sample{At: at, Values: values})
		}()
	}
	wg.Wait()
}

func (r *Recorder) add(target string, s Sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := append(r.history[target], s)
	cutoff := s.At.Add(-r.retention)
	drop := sort.Search(len(h), func(i int) bool { return !h[i].At.Before(cutoff) })
	if drop > 0 {
		// Copy down rather than reslice, so the dropped samples' backing
		// array does not grow without bound.
		h = append(h[:0], h[drop:]...)
	}
	r.history[target] = h
}

// Range returns a target's samples with from ≤ At ≤ to, oldest first.
func (r *Recorder) Range(target string, from, to time.Time) []Sample {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h := r.history[target]
	lo := sort.Search(len(h), func(i int) bool { return !h[i].At.Before(from) })
	hi := sort.Search(len(h), func(i int) bool { return h[i].At.After(to) })
	if lo >= hi {
		return nil
	}
	return append([]Sample(nil), h[lo:hi]...)
}

// Since is when recording started, so a caller can say why an earlier
// range is empty.
func (r *Recorder) Since() time.Time { return r.started }
