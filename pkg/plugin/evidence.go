package plugin

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/capture"
	"github.com/goscope/pprof/pkg/capturerules"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/history"
	"github.com/goscope/pprof/pkg/recorder"
	"github.com/goscope/pprof/pkg/replicas"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/targets"
	"github.com/goscope/pprof/pkg/waitstates"
)

// evidence is what an instance keeps over time: the recorder's history on
// disk, the capture rules evaluated on its samples, and the captures they
// take in the background.
type evidence struct {
	samples    *history.Store
	samplesErr error
	recorder   *recorder.Recorder
	rules      *capturerules.Engine
	capturer   *capture.Capturer
	baselines  *baselineCache
	// down are the targets the recorder's last sample found hanging or
	// refusing, which queries over many targets wait for briefly.
	down downTargets
	// replicas coordinates the recorder with the other Grafana replicas
	// sharing the bucket; nil without one. replicasErr says why a
	// configured bucket cannot be used.
	replicas    *replicas.Coordinator
	replicasErr error

	cancel   context.CancelFunc
	captures sync.WaitGroup
}

// startRecorder opens the history store and starts sampling every target,
// with full dumps at their cadence and capture rules on every sample,
// unless recording is disabled or there is nothing to record. The dump
// store must be open already: captures go there.
func (d *Datasource) startRecorder(uid string) {
	cfg := d.settings
	if cfg.RecordInterval == 0 || !d.hasTargets() {
		return
	}
	ev := &d.evidence
	ev.samples, ev.samplesErr = history.Open(historyPath(uid, cfg.HistoryDir))
	if ev.samples != nil && ev.samples.Recovered() != "" {
		backend.Logger.Warn("history store recovered", "detail", ev.samples.Recovered())
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Configured and discovered targets, as the recorder samples them.
	targetNames := func() []string {
		all := d.allTargets(ctx)
		names := make([]string, len(all))
		for i, t := range all {
			names[i] = t.Name
		}
		return names
	}
	coordinator, ok := d.newReplicas(uid, targetNames)
	if !ok {
		cancel()
		return
	}
	ev.replicas = coordinator
	ev.cancel = cancel
	ev.rules = capturerules.New(cfg.CaptureRules, cfg.DefaultCaptureRules)
	ev.baselines = newBaselineCache(baselineBudget)
	if (len(cfg.CaptureRules) > 0 || len(cfg.DefaultCaptureRules) > 0) && d.catalog != nil && d.catalog.Store() != nil {
		opts := capture.Options{
			Fetch:       targetFetcher{d},
			Store:       d.catalog.Store(),
			QuotaBytes:  cfg.CaptureQuotaBytes,
			MinInterval: cfg.MinInterval,
			Baseline:    ev.baselines.before,
			MaxSeconds:  cfg.MaxProfileSeconds,
		}
		if coordinator != nil {
			opts.Claim = d.claimCapture
		}
		ev.capturer = capture.New(opts)
		d.seedRules()
	}
	opts := recorder.Options{
		TargetsFunc: targetNames,
		Interval:    cfg.RecordInterval,
		Retention:   cfg.RecordRetention,
		Store:       ev.samples,
		// The recorder gives each sample a deadline within the interval.
		Sample: func(ctx context.Context, name string) map[string]float64 {
			t, _ := d.target(ctx, name)
			at := now()
			r := d.vitals(ctx, t, false, nil)
			ev.down.note(name, at, r)
			return r.values
		},
		OnSample: func(target string, s history.Sample) { d.evaluateRules(ctx, target, s) },
		OnError: func(target string, err error) {
			backend.Logger.Warn("recorder", "target", target, "error", err.Error())
		},
	}
	if cfg.FullDumpInterval > 0 {
		opts.FullDump = d.recordStates
		opts.FullDumpInterval = cfg.FullDumpInterval
		opts.MaxFullDumpGoroutines = cfg.MaxFullDumpGoroutines
	}
	if coordinator != nil {
		opts.Leading, opts.Recorded = coordinator.Leading, coordinator.Record
		coordinator.Start()
	}
	ev.recorder = recorder.New(opts)
	ev.recorder.Start()
}

// stopRecorder stops sampling, waits for captures in progress and closes
// the history store.
func (d *Datasource) stopRecorder() {
	ev := &d.evidence
	if ev.recorder != nil {
		ev.recorder.Stop()
	}
	if ev.replicas != nil {
		ev.replicas.Stop()
	}
	if ev.cancel != nil {
		ev.cancel()
	}
	ev.captures.Wait()
	if ev.samples != nil {
		ev.samples.Close()
	}
}

// historyPath is the instance's history file, named after the data
// source so that data sources sharing a configured directory keep apart:
// in that directory, else beside the dump store's default.
func historyPath(uid, dir string) string {
	if uid == "" {
		uid = "default"
	}
	if dir == "" {
		dir = filepath.Dir(dataDir("history", uid))
	}
	return filepath.Join(dir, uid+".db")
}

// seedRules gives the rule engine what it had before a restart: the last
// samples of every target, so diff compares with them, and the times of
// the captures already stored, so cooldowns hold.
func (d *Datasource) seedRules() {
	ev := &d.evidence
	// Every target the history knows: discovered targets are not known
	// before discovery runs, but their samples are.
	var recorded []string
	if ev.samples != nil {
		recorded, _ = ev.samples.Targets()
	}
	for _, target := range recorded {
		n := 0
		for _, r := range ev.rules.Rules(target) {
			n = max(n, r.Samples)
		}
		if n == 0 {
			continue
		}
		if last, err := ev.samples.Last(target, n); err == nil {
			values := make([]map[string]float64, len(last))
			for i, s := range last {
				values[i] = s.Values
			}
			ev.rules.Seed(target, values)
		}
	}
	for _, e := range d.catalog.Store().List() {
		if e.Capture != nil {
			for _, figure := range e.Capture.Figures {
				ev.rules.Fired(e.Capture.Target, figure, e.Capture.At)
			}
		}
	}
}

// evaluateRules runs a target's capture rules on a sample and captures a
// bundle in the background when any fires.
func (d *Datasource) evaluateRules(ctx context.Context, target string, s history.Sample) {
	ev := &d.evidence
	if ev.capturer == nil {
		return
	}
	triggers := ev.rules.Observe(target, s.At, s.Values)
	if len(triggers) == 0 {
		return
	}
	ev.captures.Go(func() {
		res, err := ev.capturer.Capture(ctx, target, triggers)
		switch {
		case err != nil:
			backend.Logger.Warn("capture not taken", "target", target, "reason", triggers[0].Reason(), "error", err.Error())
		case len(res.Failures) > 0:
			backend.Logger.Warn("capture taken in part", "target", target, "bundle", res.Bundle, "reason", res.Reason, "failures", fmt.Sprint(res.Failures))
		default:
			backend.Logger.Info("capture taken", "target", target, "bundle", res.Bundle, "reason", res.Reason, "dumps", len(res.Entries))
		}
	})
}

// recordStates is the recorder's full dump of a target: goroutines per
// state category and their waits, read through the same path as a
// goroutine query, so the full-dump limit holds and a fetch in flight or
// a response within the targets client's minimum interval is shared with
// panels and alert rules. The dump is kept as the target's capture
// baseline when the target has capture rules, and dropped otherwise once
// its figures are computed.
func (d *Datasource) recordStates(ctx context.Context, name string) (time.Time, map[string]float64, error) {
	t, _ := d.target(ctx, name)
	// Read once for its figures and dropped: neither the response nor
	// its parse is kept for panels, which would rarely ask for the same
	// target within the minimum interval and whose own dumps and parses
	// it would push out. A response or parse a panel left is used.
	b := d.fetchGoroutines(targets.Passing(ctx), t)
	if b.err != nil {
		return time.Time{}, nil, b.err
	}
	b.passing = true
	snap, err := d.newestGoroutines(b)
	if err != nil || !snap.StatesKnown {
		// Above the full-dump limit the summary carries no states.
		return time.Time{}, nil, err
	}
	values, err := stateFigures(snap)
	if err != nil {
		return time.Time{}, nil, err
	}
	if len(d.evidence.rules.Rules(name)) > 0 {
		d.evidence.baselines.put(name, goroutinePart(b))
	}
	return b.origin.CapturedAt, values, nil
}

// Figures of the states over time, per category: goroutines_<category>,
// wait_max_minutes_<category>, wait_median_minutes_<category>.
const (
	figureStateCount      = "goroutines_"
	figureStateWaitMax    = "wait_max_minutes_"
	figureStateWaitMedian = "wait_median_minutes_"
)

// stateFigures counts a snapshot's goroutines per category, every category
// included so a series does not vanish when its category empties, and the
// longest and median waits of the categories that have goroutines.
func stateFigures(snap *goroutines.Snapshot) (map[string]float64, error) {
	cats, err := stackgroups.Categories(snap, stackgroups.Filter{})
	if err != nil {
		return nil, err
	}
	values := map[string]float64{}
	for _, c := range waitstates.Categories() {
		values[figureStateCount+c.String()] = 0
	}
	for _, c := range cats {
		values[figureStateCount+c.Category.String()] = float64(c.Count)
		values[figureStateWaitMax+c.Category.String()] = float64(c.WaitMax)
		values[figureStateWaitMedian+c.Category.String()] = c.WaitMedian
	}
	return values, nil
}

// baselineBudget bounds the memory of the full dumps kept as capture
// baselines, across the targets with capture rules.
const baselineBudget = 64 << 20

// baselineCache keeps the two latest full dumps of each target with
// capture rules, so a capture can store what the process looked like
// before the spike even when the recorder's next full dump, taken after
// it, has come in.
type baselineCache struct {
	mu      sync.Mutex
	budget  int
	used    int
	entries map[string][]capture.Part // oldest first
}

func newBaselineCache(budget int) *baselineCache {
	return &baselineCache{budget: budget, entries: map[string][]capture.Part{}}
}

func (c *baselineCache) put(target string, p capture.Part) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// One dump may take an eighth of the budget, so several targets fit.
	if len(p.Data) > c.budget/8 {
		return
	}
	kept := append(c.entries[target], p)
	if len(kept) > 2 {
		c.used -= len(kept[0].Data)
		kept = kept[1:]
	}
	c.entries[target] = kept
	c.used += len(p.Data)
	for c.used > c.budget {
		c.dropOldest()
	}
}

// dropOldest forgets the oldest dump of all targets.
func (c *baselineCache) dropOldest() {
	oldest := ""
	for k, ps := range c.entries {
		if oldest == "" || ps[0].FetchedAt.Before(c.entries[oldest][0].FetchedAt) {
			oldest = k
		}
	}
	ps := c.entries[oldest]
	c.used -= len(ps[0].Data)
	if len(ps) == 1 {
		delete(c.entries, oldest)
	} else {
		c.entries[oldest] = ps[1:]
	}
}

// before returns a target's newest kept dump taken before at.
func (c *baselineCache) before(target string, at time.Time) (capture.Part, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := c.entries[target]
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].FetchedAt.Before(at) {
			return ps[i], true
		}
	}
	return capture.Part{}, false
}

// goroutinePart describes a fetched goroutine dump as a bundle part.
func goroutinePart(b blob) capture.Part {
	desc := "goroutines (full dump)"
	for _, n := range b.notices {
		desc = "goroutines (" + n + ")"
	}
	return capture.Part{Data: b.data, FetchedAt: b.origin.CapturedAt, Kind: "goroutine", Ext: ".txt", Description: desc}
}

// targetFetcher reads the parts of a capture bundle through the same
// paths as queries.
type targetFetcher struct{ d *Datasource }

func (f targetFetcher) target(ctx context.Context, name string) (settings.Target, error) {
	t, ok := f.d.target(ctx, name)
	if !ok {
		return t, fmt.Errorf("target %q is not configured", name)
	}
	return t, nil
}

func (f targetFetcher) Goroutines(ctx context.Context, name string) (capture.Part, error) {
	t, err := f.target(ctx, name)
	if err != nil {
		return capture.Part{}, err
	}
	b := f.d.fetchGoroutines(ctx, t)
	if b.err != nil {
		return capture.Part{}, b.err
	}
	return goroutinePart(b), nil
}

func (f targetFetcher) Profile(ctx context.Context, name, profile string, seconds int) (capture.Part, error) {
	t, err := f.target(ctx, name)
	if err != nil {
		return capture.Part{}, err
	}
	r, err := f.d.targets.Get(ctx, t, profileEndpoint(profile, seconds))
	if err != nil {
		return capture.Part{}, err
	}
	desc := profile + " profile"
	if seconds > 0 {
		desc = fmt.Sprintf("%s profile of %d s", profile, seconds)
	}
	return capture.Part{Data: r.Body, FetchedAt: r.FetchedAt, Kind: profile, Ext: ".pb.gz", Description: desc}, nil
}

func (f targetFetcher) Trace(ctx context.Context, name string, seconds int) (capture.Part, error) {
	t, err := f.target(ctx, name)
	if err != nil {
		return capture.Part{}, err
	}
	r, err := f.d.targets.Get(ctx, t, traceEndpoint(seconds))
	if err != nil {
		return capture.Part{}, err
	}
	return capture.Part{Data: r.Body, FetchedAt: r.FetchedAt, Kind: "trace", Ext: ".out", Description: fmt.Sprintf("execution trace of %d s", seconds)}, nil
}
