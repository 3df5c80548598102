package settings

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/goscope/pprof/pkg/capturerules"
)

// Defaults of the evidence kept over time.
const (
	// DefaultFullDumpInterval is the cadence of the recorder's full
	// goroutine dumps (states over time): four times the cheap interval,
	// so a 50,000-goroutine process pauses about 150 ms a minute.
	DefaultFullDumpInterval = time.Minute
	// DefaultCaptureQuotaMiB bounds the captured dumps of each target.
	DefaultCaptureQuotaMiB = 256
)

// CaptureRuleJSON is a capture rule as stored in jsonData, for the data
// source or, overriding the rule on the same figure, for one target.
type CaptureRuleJSON struct {
	Figure          string  `json:"figure"`
	Min             float64 `json:"min,omitempty"`
	Diff            float64 `json:"diff,omitempty"`
	Abs             float64 `json:"abs,omitempty"`
	Samples         int     `json:"samples,omitempty"`
	CooldownMinutes int     `json:"cooldownMinutes,omitempty"`
	CPUSeconds      int     `json:"cpuSeconds,omitempty"`
	TraceSeconds    int     `json:"traceSeconds,omitempty"`
	// Disabled, on a target's rule, turns the data source's rule on that
	// figure off for the target.
	Disabled bool `json:"disabled,omitempty"`
}

func (r CaptureRuleJSON) rule() capturerules.Rule {
	return capturerules.Rule{
		Figure: r.Figure, Min: r.Min, Diff: r.Diff, Abs: r.Abs, Samples: r.Samples,
		Cooldown:   time.Duration(r.CooldownMinutes) * time.Minute,
		CPUSeconds: r.CPUSeconds, TraceSeconds: r.TraceSeconds,
	}
}

// evidence reads the settings of history, full dumps and captures into
// out, once out's targets and limits are set.
func evidence(j JSONData, out *Settings) []error {
	var errs []error
	out.HistoryDir = j.HistoryDir
	if j.HistoryDir != "" && !filepath.IsAbs(j.HistoryDir) {
		errs = append(errs, fmt.Errorf("history directory %q must be an absolute path", j.HistoryDir))
	}
	out.FullDumpInterval = orDuration(j.FullDumpIntervalSeconds, DefaultFullDumpInterval)
	if j.FullDumpIntervalSeconds != 0 {
		switch s := time.Duration(j.FullDumpIntervalSeconds) * time.Second; {
		case s > 24*time.Hour:
			errs = append(errs, fmt.Errorf("full dump interval (seconds) must be at most 86400, not %d", j.FullDumpIntervalSeconds))
		case out.RecordInterval > 0 && s < out.RecordInterval:
			errs = append(errs, fmt.Errorf("full dump interval (%d s) must not be shorter than the recording interval (%d s): full dumps are taken on recording rounds", j.FullDumpIntervalSeconds, out.RecordInterval/time.Second))
		case s < out.MinInterval && j.MinIntervalSeconds == 0:
			// Full dumps asked for more often than the default minimum
			// interval would be the same dump again: the interval follows.
			out.MinInterval = s
		case s < out.MinInterval:
			errs = append(errs, fmt.Errorf("full dump interval (%d s) must not be shorter than the minimum interval between fetches (%d s)", j.FullDumpIntervalSeconds, out.MinInterval/time.Second))
		}
	}
	if j.FullDumpsDisabled || out.RecordInterval == 0 {
		out.FullDumpInterval = 0
	}
	out.CaptureQuotaBytes = int64(orInt(j.CaptureQuotaMiB, DefaultCaptureQuotaMiB)) << 20
	if j.CaptureQuotaMiB != 0 && (j.CaptureQuotaMiB < 1 || int64(j.CaptureQuotaMiB)<<20 > out.DumpQuotaBytes) {
		errs = append(errs, fmt.Errorf("capture quota per target (MiB) must be between 1 and the dump store quota (%d MiB), not %d", out.DumpQuotaBytes>>20, j.CaptureQuotaMiB))
	}
	shared, ruleErrs := captureRules("capture rule", j.CaptureRules, out.MaxProfileSeconds, nil)
	errs = append(errs, ruleErrs...)
	out.DefaultCaptureRules = effectiveRules(shared, nil)
	out.CaptureRules = map[string][]capturerules.Rule{}
	for i, tj := range j.Targets {
		label := fmt.Sprintf("target %q: capture rule", tj.Name)
		own, ruleErrs := captureRules(label, tj.CaptureRules, out.MaxProfileSeconds, shared)
		errs = append(errs, ruleErrs...)
		rules := effectiveRules(shared, own)
		for _, r := range rules {
			if capturerules.NeedsMetricsURL(r.Figure) && tj.MetricsURL == "" && ruleNamesFigure(tj.CaptureRules, r.Figure) {
				errs = append(errs, fmt.Errorf("%s on %s: the target has no metrics URL, so the rule would never fire", label, r.Figure))
			}
		}
		if len(rules) > 0 && i < len(out.Targets) {
			out.CaptureRules[out.Targets[i].Name] = rules
		}
	}
	if (len(out.CaptureRules) > 0 || len(out.DefaultCaptureRules) > 0) && out.RecordInterval == 0 {
		errs = append(errs, errors.New("capture rules are evaluated on the recorder's samples: turn recording on, or remove the rules"))
	}
	return errs
}

// captureRules validates one scope's rules; shared, for a target's rules,
// are the data source's, which a disabled rule must name.
func captureRules(label string, js []CaptureRuleJSON, maxSeconds int, shared map[string]capturerules.Rule) (map[string]capturerules.Rule, []error) {
	var errs []error
	out := map[string]capturerules.Rule{}
	disabled := map[string]bool{}
	for i, rj := range js {
		name := fmt.Sprintf("%s %d", label, i+1)
		if rj.Figure != "" {
			name = fmt.Sprintf("%s on %s", label, rj.Figure)
		}
		if _, dup := out[rj.Figure]; dup || disabled[rj.Figure] {
			errs = append(errs, fmt.Errorf("%s: the figure has two rules; keep one", name))
			continue
		}
		if rj.Disabled {
			if shared == nil {
				errs = append(errs, fmt.Errorf("%s: only a target's rule can be disabled (it turns the data source's rule off for that target); remove the rule instead", name))
			} else if _, ok := shared[rj.Figure]; !ok {
				errs = append(errs, fmt.Errorf("%s: disables a rule the data source does not have", name))
			}
			disabled[rj.Figure] = true
			continue
		}
		r := rj.rule()
		if err := r.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		if r.CPUSeconds > maxSeconds || r.TraceSeconds > maxSeconds {
			errs = append(errs, fmt.Errorf("%s: a CPU profile or trace of more than %d s is longer than the maximum CPU profile duration allows", name, maxSeconds))
			continue
		}
		out[r.Figure] = r
	}
	for figure := range disabled {
		out[figure] = capturerules.Rule{}
	}
	return out, errs
}

// effectiveRules are a target's rules: its own, and the data source's on
// the figures it does not name; an empty rule marks a disabled figure.
func effectiveRules(shared, own map[string]capturerules.Rule) []capturerules.Rule {
	var out []capturerules.Rule
	for _, figure := range capturerules.Figures {
		r, ok := own[figure]
		if !ok {
			r, ok = shared[figure]
		}
		if ok && r.Figure != "" {
			out = append(out, r)
		}
	}
	return out
}

func ruleNamesFigure(js []CaptureRuleJSON, figure string) bool {
	for _, rj := range js {
		if rj.Figure == figure && !rj.Disabled {
			return true
		}
	}
	return false
}
