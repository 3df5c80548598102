package settings

import (
	"strings"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/capturerules"
)

func TestEvidenceDefaults(t *testing.T) {
	s, err := load(t, `{"targets":[{"name":"a","url":"http://a/debug/pprof"}]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.FullDumpInterval != time.Minute || s.CaptureQuotaBytes != 256<<20 || len(s.CaptureRules) != 0 || s.HistoryDir != "" {
		t.Errorf("defaults: %v %v %v %q", s.FullDumpInterval, s.CaptureQuotaBytes, s.CaptureRules, s.HistoryDir)
	}
	s, _ = load(t, `{"recordDisabled":true,"fullDumpIntervalSeconds":120}`, nil)
	if s.FullDumpInterval != 0 {
		t.Errorf("full dumps without recording: %v", s.FullDumpInterval)
	}
	s, _ = load(t, `{"fullDumpsDisabled":true}`, nil)
	if s.FullDumpInterval != 0 {
		t.Errorf("disabled full dumps: %v", s.FullDumpInterval)
	}
}

// Full dumps more often than the default minimum interval bring the
// interval down with them; an interval set explicitly is held to.
func TestMinimumIntervalFollowsFullDumps(t *testing.T) {
	s, err := load(t, `{"fullDumpIntervalSeconds":15}`, nil)
	if err != nil || s.MinInterval != 15*time.Second || s.FullDumpInterval != 15*time.Second {
		t.Errorf("minimum interval %v, full dumps %v, %v", s.MinInterval, s.FullDumpInterval, err)
	}
	s, err = load(t, `{"fullDumpIntervalSeconds":120}`, nil)
	if err != nil || s.MinInterval != DefaultMinInterval {
		t.Errorf("minimum interval %v, %v", s.MinInterval, err)
	}
	_, err = load(t, `{"fullDumpIntervalSeconds":15,"minIntervalSeconds":20}`, nil)
	if err == nil || !strings.Contains(err.Error(), "must not be shorter than the minimum interval between fetches (20 s)") {
		t.Errorf("err = %v", err)
	}
}

// A target's rule replaces the data source's on its figure, a disabled one
// removes it, and the others are inherited.
func TestCaptureRulesPerTarget(t *testing.T) {
	s, err := load(t, `{
		"captureRules": [
			{"figure":"goroutines","min":500,"diff":25,"cooldownMinutes":15},
			{"figure":"threads","abs":300}
		],
		"targets": [
			{"name":"a","url":"http://a/debug/pprof"},
			{"name":"b","url":"http://b/debug/pprof","metricsUrl":"http://b/metrics","captureRules":[
				{"figure":"goroutines","abs":20000,"cpuSeconds":5,"traceSeconds":2},
				{"figure":"rss_bytes","diff":50,"samples":20}
			]},
			{"name":"c","url":"http://c/debug/pprof","captureRules":[{"figure":"threads","disabled":true}]}
		]}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]capturerules.Rule{
		"a": {{Figure: "goroutines", Min: 500, Diff: 25, Cooldown: 15 * time.Minute}, {Figure: "threads", Abs: 300}},
		"b": {{Figure: "goroutines", Abs: 20000, CPUSeconds: 5, TraceSeconds: 2}, {Figure: "threads", Abs: 300}, {Figure: "rss_bytes", Diff: 50, Samples: 20}},
		"c": {{Figure: "goroutines", Min: 500, Diff: 25, Cooldown: 15 * time.Minute}},
	}
	for target, rules := range want {
		got := s.CaptureRules[target]
		if len(got) != len(rules) {
			t.Errorf("%s: %+v", target, got)
			continue
		}
		for i := range rules {
			if got[i] != rules[i] {
				t.Errorf("%s rule %d: %+v; want %+v", target, i, got[i], rules[i])
			}
		}
	}
}

func TestEvidenceValidation(t *testing.T) {
	cases := map[string]string{
		`{"captureRules":[{"figure":"goroutines"}]}`:                                                                                     `capture rule on goroutines: set abs`,
		`{"captureRules":[{"figure":"fds","abs":1}]}`:                                                                                    `figure "fds" is not one a rule can watch`,
		`{"captureRules":[{"figure":"threads","abs":1},{"figure":"threads","diff":5}]}`:                                                  `the figure has two rules`,
		`{"captureRules":[{"figure":"threads","abs":1,"cooldownMinutes":20000}]}`:                                                        `cooldown must be between`,
		`{"captureRules":[{"figure":"threads","abs":1,"cpuSeconds":90}]}`:                                                                `more than 30 s`,
		`{"captureRules":[{"figure":"threads","disabled":true}]}`:                                                                        `only a target's rule can be disabled`,
		`{"targets":[{"name":"a","url":"http://a/debug/pprof","captureRules":[{"figure":"threads","disabled":true}]}]}`:                  `disables a rule the data source does not have`,
		`{"targets":[{"name":"a","url":"http://a/debug/pprof","captureRules":[{"figure":"rss_bytes","abs":1}]}]}`:                        `target "a": capture rule on rss_bytes: the target has no metrics URL`,
		`{"recordDisabled":true,"targets":[{"name":"a","url":"http://a/debug/pprof"}],"captureRules":[{"figure":"goroutines","abs":5}]}`: `turn recording on`,
		`{"fullDumpIntervalSeconds":10}`:                                                                                                 `must not be shorter than the recording interval`,
		`{"fullDumpIntervalSeconds":100000}`:                                                                                             `at most 86400`,
		`{"captureQuotaMiB":4096}`:                                                                                                       `between 1 and the dump store quota (1024 MiB)`,
		`{"historyDir":"relative/history"}`:                                                                                              `must be an absolute path`,
	}
	for js, want := range cases {
		_, err := load(t, js, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", js, err, want)
		}
	}
}
