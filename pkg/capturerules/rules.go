// Package capturerules decides, from outside a Go process, when its
// evidence should be captured: holmes' dump rules (min, diff, abs and a
// cooldown on goroutines, threads and memory) evaluated on every sample
// the recorder takes of a target. It is pure logic on the samples it is
// given, with time taken from them, so it knows nothing of how samples are
// read or what a capture does.
//
// A rule on a figure fires for a target when, for the sample's value v:
//
//   - v ≥ Min (Min gates everything: below it the rule never fires), and
//   - v > Abs (when Abs is set), or v ≥ mean × (1 + Diff/100) and v > mean
//     (when Diff is set), where mean is the mean of the Samples values
//     before v (so Diff needs that many earlier samples first), and
//   - the rule has not fired for that target within Cooldown.
//
// Unlike holmes, the mean leaves v itself out, so "diff 25" means exactly
// "25% above the previous samples"; and abs fires from the first sample,
// while holmes waits for ten samples before any rule.
package capturerules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Rule watches one figure of a target.
type Rule struct {
	// Figure is the sampled figure: one of Figures.
	Figure string
	// Min is the value below which the rule never fires; 0 for none.
	Min float64
	// Diff is the percentage above the mean of the previous Samples values
	// at which the rule fires; 0 to not compare with the past.
	Diff float64
	// Abs is the value above which the rule always fires (Min and the
	// cooldown permitting); 0 for none.
	Abs float64
	// Samples is how many previous values Diff compares with.
	Samples int
	// Cooldown is how long the rule stays quiet for a target after it
	// fired.
	Cooldown time.Duration
	// CPUSeconds and TraceSeconds ask the capture for a CPU profile and an
	// execution trace of that length; the engine itself ignores them.
	CPUSeconds   int
	TraceSeconds int
}

// Defaults and bounds.
const (
	DefaultSamples  = 10
	DefaultCooldown = 10 * time.Minute
	MaxSamples      = 1000
	MinCooldown     = time.Minute
	MaxCooldown     = 7 * 24 * time.Hour
)

// Figures are the figures a rule may watch, as the recorder names them.
var Figures = []string{"goroutines", "threads", "os_threads", "rss_bytes", "heap_inuse_bytes"}

// NeedsMetricsURL reports figures read from a target's Prometheus metrics
// page rather than its pprof index.
func NeedsMetricsURL(figure string) bool {
	return figure == "os_threads" || figure == "rss_bytes" || figure == "heap_inuse_bytes"
}

// WithDefaults fills the fields left at zero.
func (r Rule) WithDefaults() Rule {
	if r.Samples == 0 {
		r.Samples = DefaultSamples
	}
	if r.Cooldown == 0 {
		r.Cooldown = DefaultCooldown
	}
	return r
}

// Validate says what is wrong with a rule, in the words of the settings.
func (r Rule) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !slices.Contains(Figures, r.Figure) {
		bad("figure %q is not one a rule can watch; use one of %s", r.Figure, strings.Join(Figures, ", "))
	}
	if r.Min < 0 || r.Diff < 0 || r.Abs < 0 {
		bad("min, diff and abs cannot be negative")
	}
	if r.Diff == 0 && r.Abs == 0 {
		bad("set abs (a value that always fires) or diff (a percentage above the recent mean), or both; with neither the rule never fires")
	}
	if r.Abs > 0 && r.Min > r.Abs {
		bad("min (%s) is above abs (%s), so abs could never fire", formatValue(r.Figure, r.Min), formatValue(r.Figure, r.Abs))
	}
	if r.Samples < 0 || r.Samples > MaxSamples {
		bad("samples must be between 1 and %d, not %d", MaxSamples, r.Samples)
	}
	if r.Cooldown != 0 && (r.Cooldown < MinCooldown || r.Cooldown > MaxCooldown) {
		bad("the cooldown must be between %d and %d minutes, not %s", MinCooldown/time.Minute, MaxCooldown/time.Minute, formatMinutes(r.Cooldown))
	}
	if r.CPUSeconds < 0 || r.TraceSeconds < 0 {
		bad("cpuSeconds and traceSeconds cannot be negative")
	}
	return errors.Join(errs...)
}

func formatMinutes(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprint(int64(d / time.Minute))
	}
	return d.String()
}

// Trigger is a rule that fired on a sample, with what the reason needs.
type Trigger struct {
	Target string
	Rule   Rule
	At     time.Time
	// Value is the sample's value; Previous the one before it, when
	// HasPrevious.
	Value, Previous float64
	HasPrevious     bool
	// ByAbs is true when Abs fired (it is checked first); otherwise Diff
	// did, against Mean of the Samples values before.
	ByAbs bool
	Mean  float64
}

// Reason says why, in one line: "goroutines 1,203 → 9,877, +721% over
// the mean of 10 samples".
func (t Trigger) Reason() string {
	f := t.Rule.Figure
	head := fmt.Sprintf("%s %s", f, formatValue(f, t.Value))
	if t.HasPrevious {
		head = fmt.Sprintf("%s %s → %s", f, formatValue(f, t.Previous), formatValue(f, t.Value))
	}
	if t.ByAbs {
		return fmt.Sprintf("%s, above the absolute %s", head, formatValue(f, t.Rule.Abs))
	}
	s := fmt.Sprintf("%s, %s over the mean of %d samples", head, percentAbove(t.Value, t.Mean), t.Rule.Samples)
	if !t.HasPrevious || formatValue(f, t.Mean) != formatValue(f, t.Previous) {
		s += fmt.Sprintf(" (%s)", formatValue(f, t.Mean))
	}
	return s
}

func percentAbove(v, mean float64) string {
	if mean <= 0 {
		return "up from 0"
	}
	return fmt.Sprintf("+%s%%", formatCount(roundHalfUp((v-mean)/mean*100)))
}
