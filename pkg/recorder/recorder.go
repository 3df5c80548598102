// Package recorder samples every target at a fixed interval, without any
// agent in the service: cheap figures (up, goroutines, threads, memory)
// every round, and at a slower, guarded cadence the goroutine states of a
// full dump. Samples go to a history store on disk, so time series and
// alert rules over a range survive restarts, and to a callback that
// evaluates capture rules.
package recorder

import (
	"context"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/history"
)

// SampleFunc reads one target's cheap figures now. A failed reading
// returns up=0 so that a gap is recorded as such.
type SampleFunc func(ctx context.Context, target string) map[string]float64

// FullDumpFunc reads a target's goroutine states from a full dump and
// returns the figures it gives and when the dump was taken. It is called
// from the background, for one target at a time.
type FullDumpFunc func(ctx context.Context, target string) (time.Time, map[string]float64, error)

// Options configure a Recorder. Targets (or TargetsFunc), Interval and
// Sample are required.
type Options struct {
	Targets []string
	// TargetsFunc, when set, is asked for the targets at each round, for
	// targets that come and go.
	TargetsFunc func() []string
	Interval    time.Duration
	// Retention is how long samples are kept in the store.
	Retention time.Duration
	Sample    SampleFunc
	// Store keeps the samples; nil when it could not be opened, in which
	// case samples still reach OnSample.
	Store *history.Store
	// FullDump, when set, is called for a target at most every
	// FullDumpInterval, only while its last cheap sample had at most
	// MaxFullDumpGoroutines goroutines, never while one of its full dumps
	// is still running, and for at most two targets at once.
	FullDump              FullDumpFunc
	FullDumpInterval      time.Duration
	MaxFullDumpGoroutines int
	// OnSample is called with every cheap sample once it is stored.
	OnSample func(target string, s history.Sample)
	// OnError is told of samples that could not be stored and full dumps
	// that failed.
	OnError func(target string, err error)
	// Leading, when set, is asked before every round: a round it refuses
	// samples nothing, so of several replicas only the one leading polls
	// the targets (see pkg/replicas).
	Leading func() bool
	// Recorded, when set, is handed every batch of samples the recorder
	// stores, cheap rounds and full dumps alike.
	Recorded func([]history.Record)
}

// maxParallel bounds the targets sampled at once, as targets.Each does for
// queries.
const maxParallel = 16

// concurrentFullDumps bounds the full dumps in flight: each holds a dump
// of up to the response limit and its parse in memory.
const concurrentFullDumps = 2

// pruneEvery is how many rounds pass between deletions of expired samples.
const pruneEvery = 40

// Recorder samples a fixed set of targets until stopped.
type Recorder struct {
	opts Options
	now  func() time.Time

	mu       sync.Mutex
	lastFull map[string]time.Time
	inFlight map[string]bool
	rounds   int

	fullSlots chan struct{}
	fullDumps sync.WaitGroup

	stop chan struct{}
	done chan struct{}
}

// New returns a recorder; call Start to begin sampling.
func New(o Options) *Recorder {
	return &Recorder{
		opts:      o,
		now:       time.Now,
		lastFull:  map[string]time.Time{},
		inFlight:  map[string]bool{},
		fullSlots: make(chan struct{}, concurrentFullDumps),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
}

// Start samples every target at once and then every interval.
func (r *Recorder) Start() {
	go r.loop()
}

// Stop ends sampling and waits for the current round and full dumps.
func (r *Recorder) Stop() {
	close(r.stop)
	<-r.done
	r.fullDumps.Wait()
}

func (r *Recorder) loop() {
	defer close(r.done)
	ticker := time.NewTicker(r.opts.Interval)
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

// round samples every target, stores the samples in one transaction,
// hands them to OnSample and starts the full dumps that are due.
func (r *Recorder) round(ctx context.Context) {
	if r.opts.Leading != nil && !r.opts.Leading() {
		return
	}
	targets := r.opts.Targets
	if r.opts.TargetsFunc != nil {
		targets = r.opts.TargetsFunc()
	}
	records := make([]history.Record, len(targets))
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			// The sample is dated when it was asked for, so that a round's
			// samples line up however long each target takes.
			at := r.now()
			records[i] = history.Record{Target: t, Sample: history.Sample{At: at, Values: r.opts.Sample(ctx, t)}}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	r.store(records)
	for _, rec := range records {
		if r.opts.OnSample != nil {
			r.opts.OnSample(rec.Target, rec.Sample)
		}
		r.maybeFullDump(ctx, rec)
	}
	r.mu.Lock()
	r.rounds++
	prune := r.rounds%pruneEvery == 1
	r.mu.Unlock()
	if prune && r.opts.Store != nil && r.opts.Retention > 0 {
		if _, err := r.opts.Store.Prune(r.now().Add(-r.opts.Retention)); err != nil {
			r.fail("", err)
		}
	}
}

func (r *Recorder) store(records []history.Record) {
	if r.opts.Recorded != nil {
		r.opts.Recorded(records)
	}
	if r.opts.Store == nil {
		return
	}
	if err := r.opts.Store.Append(records); err != nil {
		r.fail("", err)
	}
}

func (r *Recorder) fail(target string, err error) {
	if r.opts.OnError != nil {
		r.opts.OnError(target, err)
	}
}

// maybeFullDump starts a target's full dump in the background when one is
// due and allowed.
func (r *Recorder) maybeFullDump(ctx context.Context, rec history.Record) {
	if r.opts.FullDump == nil {
		return
	}
	if rec.Values["up"] == 0 {
		return
	}
	if n, ok := rec.Values["goroutines"]; ok && n > float64(r.opts.MaxFullDumpGoroutines) {
		return
	}
	r.mu.Lock()
	due := !r.inFlight[rec.Target] && !rec.At.Before(r.lastFull[rec.Target].Add(r.opts.FullDumpInterval))
	if due {
		r.inFlight[rec.Target] = true
		r.lastFull[rec.Target] = rec.At
	}
	r.mu.Unlock()
	if !due {
		return
	}
	r.fullDumps.Add(1)
	go func() {
		defer r.fullDumps.Done()
		defer func() {
			r.mu.Lock()
			delete(r.inFlight, rec.Target)
			r.mu.Unlock()
		}()
		select {
		case r.fullSlots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-r.fullSlots }()
		at, values, err := r.opts.FullDump(ctx, rec.Target)
		if err != nil {
			if ctx.Err() == nil {
				r.fail(rec.Target, err)
			}
			return
		}
		if len(values) > 0 {
			r.store([]history.Record{{Target: rec.Target, Sample: history.Sample{At: at, Values: values}}})
		}
	}()
}
