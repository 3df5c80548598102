package capturerules

import (
	"sync"
	"time"
)

// Engine evaluates the rules of every target on the samples it observes.
// It is safe for concurrent use; each target's samples must arrive in
// time order.
type Engine struct {
	rules  map[string][]Rule
	others []Rule

	mu      sync.Mutex
	windows map[watch]*window
	fired   map[watch]time.Time
}

// watch is one rule of one target.
type watch struct{ target, figure string }

// New returns an engine for rules per target name; others are the rules of
// every target not named there (targets discovered while running). A
// target without rules never fires. Rules get their defaults.
func New(rules map[string][]Rule, others []Rule) *Engine {
	e := &Engine{rules: map[string][]Rule{}, windows: map[watch]*window{}, fired: map[watch]time.Time{}}
	for target, rs := range rules {
		e.rules[target] = withDefaults(rs)
	}
	e.others = withDefaults(others)
	return e
}

func withDefaults(rules []Rule) []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i] = r.WithDefaults()
	}
	return out
}

// Rules returns a target's rules, with their defaults.
func (e *Engine) Rules(target string) []Rule {
	if rules, ok := e.rules[target]; ok {
		return rules
	}
	return e.others
}

// Observe evaluates a target's rules on one sample and returns those that
// fire, starting their cooldown. Figures missing from the sample (a failed
// reading, a target without a metrics URL) are not evaluated and do not
// enter the mean.
func (e *Engine) Observe(target string, at time.Time, values map[string]float64) []Trigger {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Trigger
	for _, r := range e.Rules(target) {
		v, ok := values[r.Figure]
		if !ok {
			continue
		}
		w := e.window(target, r)
		if t, fire := e.evaluate(target, r, w, at, v); fire {
			e.fired[watch{target, r.Figure}] = at
			out = append(out, t)
		}
		w.push(v)
	}
	return out
}

func (e *Engine) evaluate(target string, r Rule, w *window, at time.Time, v float64) (Trigger, bool) {
	if v < r.Min {
		return Trigger{}, false
	}
	if last, ok := e.fired[watch{target, r.Figure}]; ok && at.Before(last.Add(r.Cooldown)) {
		return Trigger{}, false
	}
	t := Trigger{Target: target, Rule: r, At: at, Value: v}
	t.Previous, t.HasPrevious = w.last()
	if r.Abs > 0 && v > r.Abs {
		t.ByAbs = true
		return t, true
	}
	if r.Diff > 0 && w.full() {
		t.Mean = w.mean()
		if v > t.Mean && v >= t.Mean*(1+r.Diff/100) {
			return t, true
		}
	}
	return Trigger{}, false
}

// Seed feeds earlier values of a target's figures into the means without
// evaluating them, so that after a restart Diff compares with the samples
// taken before it instead of waiting for new ones.
func (e *Engine) Seed(target string, values []map[string]float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.Rules(target) {
		w := e.window(target, r)
		for _, vs := range values {
			if v, ok := vs[r.Figure]; ok {
				w.push(v)
			}
		}
	}
}

// Fired records that a target's rule on a figure fired at a time, such as
// a capture found in storage after a restart, so its cooldown holds.
func (e *Engine) Fired(target, figure string, at time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := watch{target, figure}
	if at.After(e.fired[k]) {
		e.fired[k] = at
	}
}

func (e *Engine) window(target string, r Rule) *window {
	k := watch{target, r.Figure}
	w := e.windows[k]
	if w == nil {
		w = &window{values: make([]float64, 0, r.Samples), size: r.Samples}
		e.windows[k] = w
	}
	return w
}

// window is a ring of the last size values.
type window struct {
	values []float64
	size   int
	next   int
}

func (w *window) push(v float64) {
	if len(w.values) < w.size {
		w.values = append(w.values, v)
		return
	}
	w.values[w.next] = v
	w.next = (w.next + 1) % w.size
}

func (w *window) full() bool { return len(w.values) == w.size }

func (w *window) last() (float64, bool) {
	if len(w.values) == 0 {
		return 0, false
	}
	if len(w.values) < w.size {
		return w.values[len(w.values)-1], true
	}
	return w.values[(w.next+w.size-1)%w.size], true
}

func (w *window) mean() float64 {
	sum := 0.0
	for _, v := range w.values {
		sum += v
	}
	return sum / float64(len(w.values))
}
