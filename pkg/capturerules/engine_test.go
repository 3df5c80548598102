package capturerules

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

// feed observes one figure's values 15 s apart from t0 and returns the
// triggers with the index of the sample that fired each.
func feed(e *Engine, target, figure string, values []float64) map[int]Trigger {
	out := map[int]Trigger{}
	for i, v := range values {
		for _, tr := range e.Observe(target, t0.Add(time.Duration(i)*15*time.Second), map[string]float64{figure: v, "up": 1}) {
			out[i] = tr
		}
	}
	return out
}

func repeat(v float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func TestGoroutineJumpFiresOnceWithTheReason(t *testing.T) {
	e := New(map[string][]Rule{"api-1": {{Figure: "goroutines", Min: 500, Diff: 25, Cooldown: 10 * time.Minute}}}, nil)
	values := append(repeat(1203, 10), repeat(9877, 30)...)
	got := feed(e, "api-1", "goroutines", values)
	if len(got) != 1 {
		t.Fatalf("fired at %v; want once, at sample 10", keys(got))
	}
	tr, ok := got[10]
	if !ok {
		t.Fatalf("fired at %v; want sample 10", keys(got))
	}
	if want := "goroutines 1,203 → 9,877, +721% over the mean of 10 samples"; tr.Reason() != want {
		t.Errorf("reason = %q\n  want %q", tr.Reason(), want)
	}
	if !tr.At.Equal(t0.Add(150*time.Second)) || tr.Target != "api-1" || tr.Value != 9877 || tr.Previous != 1203 {
		t.Errorf("trigger = %+v", tr)
	}
}

// A value that stays above abs fires exactly once per cooldown.
func TestSustainedAbsFiresOncePerCooldown(t *testing.T) {
	e := New(map[string][]Rule{"api-1": {{Figure: "goroutines", Abs: 20000, Cooldown: 10 * time.Minute}}}, nil)
	hour := int(time.Hour / (15 * time.Second))
	got := feed(e, "api-1", "goroutines", repeat(25000, hour))
	want := []int{0, 40, 80, 120, 160, 200}
	if k := keys(got); !equalInts(k, want) {
		t.Fatalf("fired at samples %v; want %v (every 10 minutes)", k, want)
	}
	if r := got[0].Reason(); r != "goroutines 25,000, above the absolute 20,000" {
		t.Errorf("reason = %q", r)
	}
}

func TestMinGatesEveryCheck(t *testing.T) {
	e := New(map[string][]Rule{"a": {{Figure: "goroutines", Min: 3000, Diff: 25, Abs: 2500}}}, nil)
	got := feed(e, "a", "goroutines", append(repeat(10, 10), 2900, 2900, 2999))
	if len(got) != 0 {
		t.Errorf("fired below min at %v", keys(got))
	}
}

func TestDiffWaitsForItsSamplesOrASeed(t *testing.T) {
	rule := Rule{Figure: "threads", Diff: 50, Samples: 5}
	e := New(map[string][]Rule{"a": {rule}}, nil)
	if got := feed(e, "a", "threads", []float64{10, 10, 10, 10, 100}); len(got) != 0 {
		t.Errorf("diff fired after 4 earlier samples: %v", keys(got))
	}
	seeded := New(map[string][]Rule{"a": {rule}}, nil)
	seeded.Seed("a", []map[string]float64{{"threads": 10}, {"threads": 10}, {"threads": 10}, {"threads": 10}, {"threads": 10}})
	got := feed(seeded, "a", "threads", []float64{100})
	if len(got) != 1 {
		t.Fatalf("a seeded engine did not fire")
	}
	if r := got[0].Reason(); r != "threads 10 → 100, +900% over the mean of 5 samples" {
		t.Errorf("reason = %q", r)
	}
}

func TestMeanIsOfThePreviousSamples(t *testing.T) {
	e := New(map[string][]Rule{"a": {{Figure: "rss_bytes", Diff: 100, Samples: 4}}}, nil)
	mib := float64(1 << 20)
	got := feed(e, "a", "rss_bytes", []float64{100 * mib, 100 * mib, 200 * mib, 200 * mib, 290 * mib, 301 * mib, 600 * mib})
	// Means before samples 4, 5, 6: 150, 197.5, 247.75 MiB: 290 and 301
	// stay below twice the mean, 600 is 142% above.
	if k := keys(got); !equalInts(k, []int{6}) {
		t.Fatalf("fired at %v", k)
	}
	if r := got[6].Reason(); r != "rss_bytes 301 MiB → 600 MiB, +142% over the mean of 4 samples (247.8 MiB)" {
		t.Errorf("reason = %q", r)
	}
}

func TestFlatZeroDoesNotFireDiff(t *testing.T) {
	e := New(map[string][]Rule{"a": {{Figure: "goroutines", Diff: 10, Samples: 3}}}, nil)
	if got := feed(e, "a", "goroutines", repeat(0, 10)); len(got) != 0 {
		t.Errorf("fired on zeros: %v", keys(got))
	}
	got := feed(e, "a", "goroutines", []float64{5})
	if len(got) != 1 || !strings.Contains(got[0].Reason(), "up from 0") {
		t.Errorf("0 → 5: %v", got)
	}
}

func TestMissingFigureIsNotEvaluated(t *testing.T) {
	e := New(map[string][]Rule{"a": {{Figure: "rss_bytes", Abs: 1}}}, nil)
	if got := e.Observe("a", t0, map[string]float64{"up": 0}); len(got) != 0 {
		t.Errorf("fired without the figure: %v", got)
	}
	if got := e.Observe("b", t0, map[string]float64{"rss_bytes": 5}); len(got) != 0 {
		t.Errorf("a target without rules fired: %v", got)
	}
}

func TestFiredRestoresTheCooldown(t *testing.T) {
	e := New(map[string][]Rule{"a": {{Figure: "goroutines", Abs: 100, Cooldown: 5 * time.Minute}}}, nil)
	e.Fired("a", "goroutines", t0.Add(-4*time.Minute))
	if got := e.Observe("a", t0, map[string]float64{"goroutines": 500}); len(got) != 0 {
		t.Errorf("fired within the restored cooldown")
	}
	if got := e.Observe("a", t0.Add(time.Minute), map[string]float64{"goroutines": 500}); len(got) != 1 {
		t.Errorf("did not fire once the restored cooldown ended")
	}
}

func TestTargetsAndFiguresAreIndependent(t *testing.T) {
	rules := []Rule{{Figure: "goroutines", Abs: 100}, {Figure: "threads", Abs: 50}}
	e := New(map[string][]Rule{"a": rules, "b": rules}, nil)
	got := e.Observe("a", t0, map[string]float64{"goroutines": 200, "threads": 60})
	if len(got) != 2 {
		t.Fatalf("a: %v", got)
	}
	if got := e.Observe("b", t0, map[string]float64{"goroutines": 200}); len(got) != 1 {
		t.Errorf("b is held by a's cooldown: %v", got)
	}
}

func TestValidate(t *testing.T) {
	cases := map[string]struct {
		rule Rule
		want string
	}{
		"unknown figure": {Rule{Figure: "cpu", Abs: 1}, `figure "cpu" is not one a rule can watch`},
		"nothing fires":  {Rule{Figure: "goroutines", Min: 10}, "set abs"},
		"min above abs":  {Rule{Figure: "rss_bytes", Min: 2 << 30, Abs: 1 << 30}, "min (2 GiB) is above abs (1 GiB)"},
		"negative":       {Rule{Figure: "goroutines", Diff: -5}, "cannot be negative"},
		"samples":        {Rule{Figure: "goroutines", Diff: 5, Samples: 5000}, "samples must be between 1 and 1000"},
		"cooldown":       {Rule{Figure: "goroutines", Diff: 5, Cooldown: time.Second}, "cooldown must be between 1 and 10080 minutes, not 1s"},
		"bundle":         {Rule{Figure: "goroutines", Diff: 5, CPUSeconds: -1}, "cpuSeconds"},
	}
	for name, c := range cases {
		err := c.rule.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want %q", name, err, c.want)
		}
	}
	if err := (Rule{Figure: "heap_inuse_bytes", Min: 1 << 30, Diff: 50, Abs: 4 << 30}).Validate(); err != nil {
		t.Errorf("a good rule: %v", err)
	}
}

func keys(m map[int]Trigger) []int {
	var out []int
	for i := range 100000 {
		if _, ok := m[i]; ok {
			out = append(out, i)
		}
	}
	return out
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOtherTargetsGetTheDataSourceRules(t *testing.T) {
	shared := []Rule{{Figure: "goroutines", Abs: 1000}}
	e := New(map[string][]Rule{"quiet": nil, "api-1": {{Figure: "goroutines", Abs: 5000}}}, shared)
	at := time.Unix(1_700_000_000, 0)
	if got := e.Observe("pod-7", at, map[string]float64{"goroutines": 2000}); len(got) != 1 {
		t.Fatalf("a discovered target over the data source's rule fired %d times", len(got))
	}
	if got := e.Observe("api-1", at, map[string]float64{"goroutines": 2000}); len(got) != 0 {
		t.Fatal("a target's own rule lost to the data source's")
	}
	if got := e.Observe("quiet", at, map[string]float64{"goroutines": 9000}); len(got) != 0 {
		t.Fatal("a configured target without rules fired")
	}
}

// After a restart, a discovered target's diff compares with its samples
// from before it, as a configured target's does.
func TestSeedReachesOtherTargets(t *testing.T) {
	e := New(nil, []Rule{{Figure: "goroutines", Diff: 50, Samples: 2}})
	e.Seed("pod-7", []map[string]float64{{"goroutines": 100}, {"goroutines": 100}})
	if got := e.Observe("pod-7", time.Unix(1_700_000_000, 0), map[string]float64{"goroutines": 400}); len(got) != 1 {
		t.Fatalf("a seeded discovered target fired %d times on a jump", len(got))
	}
}
