// Package recorder samples every target at a fixed interval, without any
// agent in the service: cheap figures (up, goroutines, threads, memory)
// every interval, and at a slower, guarded cadence the goroutine states of
// a full dump. Samples go to a history store on disk, so time series and
// alert rules over a range survive restarts, and to a callback that
// evaluates capture rules.
//
// Each target is sampled at its own place in the interval (see offset),
// so five hundred targets at 15 s are about 33 fetches a second, not five
// hundred at once; full dumps spread the same way over their interval. A
// target that hangs or refuses holds up no other: samples run concurrently
// within bounds, each ends at a deadline, targets whose last sample was
// slow share a bound of their own, and a target whose previous
// sample is still running is skipped, not queued.
package recorder

import (
	"context"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/history"
)

// SampleFunc reads one target's cheap figures now, by the context's
// deadline. A failed reading returns up=0 so that a gap is recorded as
// such.
type SampleFunc func(ctx context.Context, target string) map[string]float64

// FullDumpFunc reads a target's goroutine states from a full dump and
// returns the figures it gives and when the dump was taken. It is called
// from the background, for one target at a time.
type FullDumpFunc func(ctx context.Context, target string) (time.Time, map[string]float64, error)

// Options configure a Recorder. Interval and Sample are required.
type Options struct {
	// Targets are sampled from the start; SetTargets changes them.
	Targets []string
	// TargetsFunc, when set, is asked for the targets on start and once
	// an interval, for targets that come and go (discovery).
	TargetsFunc func() []string
	Interval    time.Duration
	// Retention is how long samples are kept in the store.
	Retention time.Duration
	Sample    SampleFunc
	// Store keeps the samples; nil when it could not be opened, in which
	// case samples still reach OnSample.
	Store *history.Store
	// FullDump, when set, is called for a target at most every
	// FullDumpInterval, first at the target's place in that interval,
	// only while its last cheap sample had at most MaxFullDumpGoroutines
	// goroutines, never while one of its full dumps is still running, and
	// for at most two targets at once.
	FullDump              FullDumpFunc
	FullDumpInterval      time.Duration
	MaxFullDumpGoroutines int
	// OnSample is called with every cheap sample once it is stored, in
	// the order of each target's samples.
	OnSample func(target string, s history.Sample)
	// OnError is told of samples that could not be stored and full dumps
	// that failed.
	OnError func(target string, err error)
	// Leading, when set, is asked before every sample: a sample it
	// refuses is not taken, so of several replicas only the one leading
	// polls the targets (see pkg/replicas).
	Leading func() bool
	// Recorded, when set, is handed every batch of samples the recorder
	// stores, cheap samples and full dumps alike.
	Recorded func([]history.Record)
}

// Bounds on the samples in flight: of targets that answered (or refused)
// promptly last time, and of the others, so that hanging targets cannot
// take the places of live ones. Each holds a goroutine, a connection and
// a cheap page.
const (
	promptSamples = 32
	slowSamples   = 16
)

// concurrentFullDumps bounds the full dumps in flight: each holds a dump
// of up to the response limit and its parse in memory.
const concurrentFullDumps = 2

// pruneEvery is how many intervals pass between deletions of expired
// samples.
const pruneEvery = 40

// maxBatch bounds the samples stored in one transaction; batchWindow is
// how long the first of them waits for others, so that 33 samples a
// second cost one synced write a second, not 33.
const (
	maxBatch    = 512
	batchWindow = time.Second
)

// Stats count what the recorder did since it started.
type Stats struct {
	Samples   int64
	FullDumps int64
	// Skipped are samples that were due while the target's previous one
	// was still running (a target slower than the interval).
	Skipped int64
}

// Recorder samples a changing set of targets until stopped.
type Recorder struct {
	opts Options
	now  func() time.Time

	mu       sync.Mutex
	sched    schedule
	targets  map[string]*target
	stats    Stats
	stopping bool
	pruned   time.Time

	prompt, slow, fullSlots chan struct{}
	samples, fullDumps      sync.WaitGroup
	writes                  chan write

	ctx    context.Context
	cancel context.CancelFunc
	stop   chan struct{}
	wrote  chan struct{}
}

// target is what the recorder keeps of one target between samples.
type target struct {
	sampling bool
	// slow: its last sample took more than a quarter of the interval.
	slow bool
	// lastFull is the slot of its last full dump; fullDue is set once it
	// is placed in the full-dump interval.
	lastFull     time.Time
	fullDue      bool
	fullInFlight bool
}

// write is a sample on its way to the store, or, with flushed set, a
// request to store what is pending now.
type write struct {
	rec history.Record
	// slot is when the sample was due; cheap is false for a full dump's
	// figures.
	slot    time.Time
	cheap   bool
	flushed chan struct{}
}

// New returns a recorder; call Start to begin sampling.
func New(o Options) *Recorder {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Recorder{
		opts:      o,
		now:       time.Now,
		targets:   map[string]*target{},
		prompt:    make(chan struct{}, promptSamples),
		slow:      make(chan struct{}, slowSamples),
		fullSlots: make(chan struct{}, concurrentFullDumps),
		writes:    make(chan write, maxBatch),
		ctx:       ctx,
		cancel:    cancel,
		stop:      make(chan struct{}),
		wrote:     make(chan struct{}),
	}
	r.SetTargets(o.Targets)
	go r.writer()
	return r
}

// SetTargets replaces the targets sampled: new ones start at their place
// in the interval, others keep theirs, and removed ones are sampled no
// more.
func (r *Recorder) SetTargets(names []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	kept := make(map[string]*target, len(names))
	for _, n := range names {
		if t, ok := r.targets[n]; ok {
			kept[n] = t
		} else {
			kept[n] = &target{}
		}
	}
	r.targets = kept
	r.sched = newSchedule(names, r.opts.Interval)
}

// Stats returns the counts so far.
func (r *Recorder) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// Start samples every target at its place in each interval, and at once
// when there are few.
func (r *Recorder) Start() {
	if r.opts.TargetsFunc != nil {
		r.SetTargets(r.opts.TargetsFunc())
		go r.followTargets()
	}
	go r.loop()
}

// followTargets asks TargetsFunc for the targets once an interval.
func (r *Recorder) followTargets() {
	ticker := time.NewTicker(r.opts.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-ticker.C:
			r.SetTargets(r.opts.TargetsFunc())
		}
	}
}

// Stop ends sampling and waits for the samples and full dumps in flight
// and for their storing.
func (r *Recorder) Stop() {
	close(r.stop)
	r.cancel()
	r.mu.Lock()
	r.stopping = true
	r.mu.Unlock()
	r.samples.Wait()
	r.fullDumps.Wait()
	close(r.writes)
	<-r.wrote
}

func (r *Recorder) loop() {
	after := r.now()
	// A few targets are sampled at once on start, so that their history
	// begins now; many are not, for that is the burst their places avoid.
	r.mu.Lock()
	var first []string
	if len(r.targets) <= promptSamples {
		for _, e := range r.sched.entries {
			first = append(first, e.name)
		}
	}
	r.mu.Unlock()
	for _, n := range first {
		r.launch(after, n)
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		r.mu.Lock()
		at, names := r.sched.next(after)
		r.mu.Unlock()
		wait := r.opts.Interval
		if names != nil {
			wait = at.Sub(r.now())
		}
		timer.Reset(wait)
		select {
		case <-r.stop:
			return
		case <-timer.C:
		}
		if names == nil {
			after = r.now()
			continue
		}
		// Slots missed by more than an interval (a suspended machine)
		// are not made up in a burst: each target is next due at its
		// place.
		after = at
		if behind := r.now().Add(-r.opts.Interval); behind.After(at) {
			after = behind
		}
		r.mu.Lock()
		// The targets may have changed while waiting.
		if again, current := r.sched.next(at.Add(-time.Nanosecond)); again.Equal(at) {
			names = current
		} else {
			names = nil
		}
		r.mu.Unlock()
		for _, n := range names {
			r.launch(at, n)
		}
	}
}

// launch samples a target in the background, unless its previous sample
// is still running.
func (r *Recorder) launch(slot time.Time, name string) {
	r.mu.Lock()
	t := r.targets[name]
	if t == nil || r.stopping || (r.opts.Leading != nil && !r.opts.Leading()) {
		r.mu.Unlock()
		return
	}
	if t.sampling {
		r.stats.Skipped++
		r.mu.Unlock()
		return
	}
	t.sampling = true
	lane := r.prompt
	if t.slow {
		lane = r.slow
	}
	r.samples.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.samples.Done()
		slow := true
		defer func() {
			r.mu.Lock()
			t.sampling, t.slow = false, slow
			r.mu.Unlock()
		}()
		select {
		case lane <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		defer func() { <-lane }()
		// A sample ends before the next one is due, so a target that
		// hangs is sampled every interval, failing, not skipped.
		ctx, cancel := context.WithTimeout(r.ctx, r.opts.Interval*3/4)
		defer cancel()
		// The sample is dated when it was asked for, so that every
		// target's samples keep the interval however long each takes.
		at := r.now()
		values := r.opts.Sample(ctx, name)
		if r.ctx.Err() != nil {
			return
		}
		// A target that refuses at once is no threat to the others; one
		// that kept its sample waiting is.
		slow = r.now().Sub(at) > r.opts.Interval/4
		r.mu.Lock()
		r.stats.Samples++
		r.mu.Unlock()
		// Sent before the target is free again, so its samples reach the
		// store and OnSample in order.
		r.writes <- write{rec: history.Record{Target: name, Sample: history.Sample{At: at, Values: values}}, slot: slot, cheap: true}
	}()
}

// writer stores samples in batches, then hands each cheap one to
// OnSample and starts the full dumps that are due.
func (r *Recorder) writer() {
	defer close(r.wrote)
	var batch []write
	var window <-chan time.Time
	flush := func() {
		r.store(batch)
		for _, w := range batch {
			if w.flushed != nil {
				close(w.flushed)
				continue
			}
			if !w.cheap {
				continue
			}
			if r.opts.OnSample != nil {
				r.opts.OnSample(w.rec.Target, w.rec.Sample)
			}
			r.maybeFullDump(w)
		}
		batch, window = batch[:0], nil
		r.maybePrune()
	}
	for {
		select {
		case w, ok := <-r.writes:
			if !ok {
				flush()
				return
			}
			batch = append(batch, w)
			if window == nil {
				window = time.After(batchWindow)
			}
			if w.flushed != nil || len(batch) >= maxBatch {
				flush()
			}
		case <-window:
			flush()
		}
	}
}

func (r *Recorder) store(batch []write) {
	records := make([]history.Record, 0, len(batch))
	for _, w := range batch {
		if w.flushed == nil {
			records = append(records, w.rec)
		}
	}
	if len(records) == 0 {
		return
	}
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

func (r *Recorder) maybePrune() {
	if r.opts.Store == nil || r.opts.Retention <= 0 {
		return
	}
	now := r.now()
	if !r.pruned.IsZero() && now.Before(r.pruned.Add(pruneEvery*r.opts.Interval)) {
		return
	}
	r.pruned = now
	if _, err := r.opts.Store.Prune(now.Add(-r.opts.Retention)); err != nil {
		r.fail("", err)
	}
}

func (r *Recorder) fail(target string, err error) {
	if r.opts.OnError != nil {
		r.opts.OnError(target, err)
	}
}

// maybeFullDump starts a target's full dump in the background when one is
// due and allowed. A target's first full dump is due at its place in the
// full-dump interval, and each next one an interval after the last.
func (r *Recorder) maybeFullDump(w write) {
	if r.opts.FullDump == nil || w.rec.Values["up"] == 0 {
		return
	}
	if n, ok := w.rec.Values["goroutines"]; ok && n > float64(r.opts.MaxFullDumpGoroutines) {
		return
	}
	name, every := w.rec.Target, r.opts.FullDumpInterval
	r.mu.Lock()
	t := r.targets[name]
	if t == nil || r.stopping || t.fullInFlight {
		r.mu.Unlock()
		return
	}
	if !t.fullDue {
		t.fullDue = true
		t.lastFull = slotAtOrAfter(name, every, w.slot).Add(-every)
	}
	if w.slot.Before(t.lastFull.Add(every)) {
		r.mu.Unlock()
		return
	}
	t.fullInFlight, t.lastFull = true, w.slot
	r.fullDumps.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.fullDumps.Done()
		defer func() {
			r.mu.Lock()
			t.fullInFlight = false
			r.mu.Unlock()
		}()
		select {
		case r.fullSlots <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		defer func() { <-r.fullSlots }()
		at, values, err := r.opts.FullDump(r.ctx, name)
		if r.ctx.Err() != nil {
			return
		}
		if err != nil {
			r.fail(name, err)
			return
		}
		r.mu.Lock()
		r.stats.FullDumps++
		r.mu.Unlock()
		if len(values) > 0 {
			r.writes <- write{rec: history.Record{Target: name, Sample: history.Sample{At: at, Values: values}}}
		}
	}()
}

// flush stores what is pending and returns once it is.
func (r *Recorder) flush() {
	done := make(chan struct{})
	r.writes <- write{flushed: done}
	<-done
}
