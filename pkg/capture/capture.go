// Package capture takes a bundle of evidence from a target when its
// capture rules fire, from outside the process: the full goroutine dump
// (the debug=1 summary above the full-dump limit), the heap, threadcreate
// and goroutine profiles, on request a CPU profile and an execution trace,
// and the last periodic full dump taken before the spike as a baseline.
// The parts go to the dump store under the target's capture source, each
// with the reason, so every goroutine and profile view opens them.
package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/capturerules"
	"github.com/goscope/pprof/pkg/dumps"
)

// Part is one fetched piece of a bundle.
type Part struct {
	Data      []byte
	FetchedAt time.Time
	// Kind names the part in file names ("goroutine", "heap", "cpu"...);
	// Ext is the file extension of its format (".txt", ".pb.gz", ".out").
	Kind, Ext string
	// Description says what it is in the bundle, e.g. "goroutines
	// (debug=1 summary: 60000 goroutines is above the full-dump limit)".
	Description string
	baseline    bool
}

// Fetcher reads a target's endpoints the way queries read them, so that
// the guards of the targets client (the minimum interval per endpoint,
// coalescing, the response limit, the full-dump goroutine limit) hold for
// captures as well.
type Fetcher interface {
	// Goroutines returns the full goroutine dump, or the debug=1 summary
	// above the full-dump limit.
	Goroutines(ctx context.Context, target string) (Part, error)
	// Profile returns a protobuf profile ("heap", "threadcreate",
	// "goroutine"), or a CPU profile of seconds ("cpu").
	Profile(ctx context.Context, target, profile string, seconds int) (Part, error)
	// Trace returns an execution trace of seconds.
	Trace(ctx context.Context, target string, seconds int) (Part, error)
}

// Options configure a Capturer. Fetch and Store are required.
type Options struct {
	Fetch Fetcher
	Store *dumps.Store
	// QuotaBytes bounds each target's captured dumps (see
	// dumps.Store.PutCapture).
	QuotaBytes int64
	// MinInterval is how long the targets client reuses an expensive
	// response: a part fetched before the spike is fetched again once it
	// has passed.
	MinInterval time.Duration
	// Baseline returns the target's last periodic full dump taken before
	// a time, when one is kept.
	Baseline func(target string, before time.Time) (Part, bool)
	// MaxSeconds bounds the CPU profile and trace a rule asks for.
	MaxSeconds int
	// Claim, when set, is asked once this process may capture: replicas
	// sharing a bucket claim the target's interval there, and a claim
	// refused (another replica captures) is returned as the error.
	Claim func(ctx context.Context, target string, at time.Time) error
}

// Capturer takes bundles, at most one at a time per target.
type Capturer struct {
	opts  Options
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a Capturer.
func New(o Options) *Capturer {
	return &Capturer{opts: o, now: time.Now, sleep: sleepContext}
}

// claims are the targets being captured in this process, per dump store:
// when a data source's settings change, Grafana runs its old and new
// instances side by side for a moment, and they share one store.
var claims = struct {
	sync.Mutex
	busy map[claimKey]bool
}{busy: map[claimKey]bool{}}

type claimKey struct {
	store  *dumps.Store
	target string
}

// Result is a bundle as stored.
type Result struct {
	Bundle  string
	Reason  string
	Entries []dumps.Entry
	// Failures are the parts that could not be fetched or stored, why.
	Failures []string
}

// Why a capture is not taken.
var (
	ErrBusy     = errors.New("a capture of this target is already running")
	ErrCooldown = errors.New("the rules that fired are cooling down after a capture already stored")
)

// claim decides whether this process captures a target now, and for which
// of the rules that fired: not while another capture of the target runs,
// and not for a rule whose cooldown has not passed since the last capture
// it caused, whoever stored it. Replicas sharing a bucket claim the
// target's interval there too (Options.Claim).
func (c *Capturer) claim(target string, triggers []capturerules.Trigger) (release func(), kept []capturerules.Trigger, err error) {
	claims.Lock()
	defer claims.Unlock()
	k := claimKey{c.opts.Store, target}
	if claims.busy[k] {
		return nil, nil, ErrBusy
	}
	for _, t := range triggers {
		if last, ok := c.opts.Store.LastCapture(target, t.Rule.Figure); ok && t.At.Before(last.Add(t.Rule.Cooldown)) {
			continue
		}
		kept = append(kept, t)
	}
	if len(kept) == 0 {
		return nil, nil, ErrCooldown
	}
	claims.busy[k] = true
	return func() {
		claims.Lock()
		defer claims.Unlock()
		delete(claims.busy, k)
	}, kept, nil
}

// Capture takes a bundle of a target for the rules that fired on one of
// its samples. It returns an error only when nothing was stored.
func (c *Capturer) Capture(ctx context.Context, target string, triggers []capturerules.Trigger) (Result, error) {
	if len(triggers) == 0 {
		return Result{}, errors.New("no rule fired")
	}
	release, triggers, err := c.claim(target, triggers)
	if err != nil {
		return Result{}, err
	}
	defer release()
	at := triggers[0].At
	if c.opts.Claim != nil {
		if err := c.opts.Claim(ctx, target, at); err != nil {
			return Result{}, err
		}
	}
	res := Result{Bundle: fmt.Sprintf("%s %s", target, at.UTC().Format("20060102T150405Z")), Reason: reason(triggers)}
	meta := dumps.Capture{Target: target, Bundle: res.Bundle, At: at, Reason: res.Reason}
	cpu, trace := 0, 0
	for _, t := range triggers {
		meta.Figures = append(meta.Figures, t.Rule.Figure)
		cpu, trace = max(cpu, t.Rule.CPUSeconds), max(trace, t.Rule.TraceSeconds)
	}
	cpu, trace = min(cpu, c.opts.MaxSeconds), min(trace, c.opts.MaxSeconds)

	// The baseline is taken first: the recorder's next full dump, after
	// the spike, may replace it.
	var baseline Part
	hasBaseline := false
	if c.opts.Baseline != nil {
		baseline, hasBaseline = c.opts.Baseline(target, at)
	}
	var mu sync.Mutex
	keep := func(p Part, err error, what string) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("%s: %v", what, err))
			return
		}
		e, err := c.store(p, meta)
		if err != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("%s: %v", what, err))
			return
		}
		res.Entries = append(res.Entries, e)
	}
	// The CPU profile and the trace run for seconds; they start first and
	// run beside the instant parts.
	var wg sync.WaitGroup
	if cpu > 0 {
		wg.Go(func() {
			p, err := c.opts.Fetch.Profile(ctx, target, "cpu", cpu)
			keep(p, err, "CPU profile")
		})
	}
	if trace > 0 {
		wg.Go(func() {
			p, err := c.opts.Fetch.Trace(ctx, target, trace)
			keep(p, err, "execution trace")
		})
	}
	p, err := c.fresh(ctx, at, func() (Part, error) { return c.opts.Fetch.Goroutines(ctx, target) })
	keep(p, err, "goroutines")
	for _, profile := range []string{"heap", "threadcreate", "goroutine"} {
		p, err := c.fresh(ctx, at, func() (Part, error) { return c.opts.Fetch.Profile(ctx, target, profile, 0) })
		keep(p, err, profile+" profile")
	}
	if hasBaseline {
		baseline.Kind, baseline.Description = "goroutine-baseline", "the last periodic full dump before the spike: "+baseline.Description
		baseline.baseline = true
		keep(baseline, nil, "baseline")
	}
	wg.Wait()
	if len(res.Entries) == 0 {
		return res, fmt.Errorf("capture of %s stored nothing: %s", target, strings.Join(res.Failures, "; "))
	}
	return res, nil
}

// fresh fetches a part, and fetches it again when the targets client
// answered with a response from before the spike: once its minimum
// interval has passed, so the target is not asked more often.
func (c *Capturer) fresh(ctx context.Context, at time.Time, fetch func() (Part, error)) (Part, error) {
	p, err := fetch()
	if err != nil || !p.FetchedAt.Before(at) {
		return p, err
	}
	if err := c.sleep(ctx, p.FetchedAt.Add(c.opts.MinInterval).Sub(c.now())); err != nil {
		return Part{}, err
	}
	return fetch()
}

func (c *Capturer) store(p Part, meta dumps.Capture) (dumps.Entry, error) {
	meta.Part, meta.Baseline = p.Description, p.baseline
	name := fmt.Sprintf("%s.%s.%s%s", p.Kind, meta.Target, p.FetchedAt.UTC().Format("20060102T150405Z"), p.Ext)
	e, _, err := c.opts.Store.PutCapture(name, p.FetchedAt, meta, c.opts.QuotaBytes, p.Data)
	return e, err
}

// reason joins the reasons of the rules that fired.
func reason(triggers []capturerules.Trigger) string {
	parts := make([]string, len(triggers))
	for i, t := range triggers {
		parts[i] = t.Reason()
	}
	return strings.Join(parts, "; ")
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
