package recorder

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/history"
)

func names(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

// Five hundred targets at 15 s are sampled each once per interval, about
// 33 a second, not all at once; their full dumps spread the same way over
// the minute.
func TestSamplesSpreadOverTheInterval(t *testing.T) {
	const n, interval = 500, 15 * time.Second
	clock := &fakeClock{t: t0}
	var mu sync.Mutex
	perSecond := map[int64]int{}
	fullPerWindow := map[int64]int{}
	sampled := map[string]int{}
	r := New(Options{
		Targets: names("svc", n), Interval: interval,
		Sample: func(_ context.Context, target string) map[string]float64 {
			mu.Lock()
			defer mu.Unlock()
			perSecond[clock.now().Sub(t0).Milliseconds()/1000]++
			sampled[target]++
			return map[string]float64{"up": 1, "goroutines": 1000}
		},
		FullDump: func(context.Context, string) (time.Time, map[string]float64, error) {
			mu.Lock()
			defer mu.Unlock()
			fullPerWindow[clock.now().Sub(t0).Milliseconds()/15000]++
			return clock.now(), nil, nil
		},
		FullDumpInterval: time.Minute, MaxFullDumpGoroutines: 50000,
	})
	defer r.Stop()
	r.now = clock.now
	drive(r, clock, 2*time.Minute)
	for _, name := range names("svc", n) {
		if sampled[name] != 8 {
			t.Fatalf("%s sampled %d times in 8 intervals", name, sampled[name])
		}
	}
	mean := n / int(interval/time.Second)
	for s, c := range perSecond {
		if c > 2*mean {
			t.Errorf("second %d: %d samples; the mean is %d", s, c, mean)
		}
	}
	// Each 15 s window of the two minutes holds about a quarter of the
	// targets' full dumps, not all of them.
	total := 0
	for w, c := range fullPerWindow {
		total += c
		if c > n/4*2 {
			t.Errorf("window %d: %d full dumps of %d targets", w, c, n)
		}
	}
	if total != 2*n {
		t.Errorf("%d full dumps of %d targets in 2 minutes", total, n)
	}
}

// A target keeps its place when others come and go; a new one starts at
// its own, and a removed one is sampled no more.
func TestChangingTargets(t *testing.T) {
	clock := &fakeClock{t: t0}
	var mu sync.Mutex
	times := map[string][]time.Time{}
	r := New(Options{
		Targets: []string{"a", "b"}, Interval: 15 * time.Second,
		Sample: func(_ context.Context, target string) map[string]float64 {
			mu.Lock()
			defer mu.Unlock()
			times[target] = append(times[target], clock.now())
			return map[string]float64{"up": 1}
		},
	})
	defer r.Stop()
	r.now = clock.now
	drive(r, clock, 30*time.Second)
	r.SetTargets([]string{"a", "c"})
	drive(r, clock, 30*time.Second)
	if len(times["a"]) != 4 || len(times["b"]) != 2 || len(times["c"]) != 2 {
		t.Fatalf("samples: %v", times)
	}
	for _, name := range []string{"a", "b", "c"} {
		for _, at := range times[name] {
			if at.Sub(t0)%(15*time.Second) != offset(name, 15*time.Second) {
				t.Errorf("%s sampled at %v, not at its place", name, at)
			}
		}
	}
}

// Targets that hang or refuse do not hold up the others: live and dead
// targets are sampled every interval, in order, while forty targets that
// were slow once then hang (more than the bound of samples in flight) wait
// among themselves, and a target whose sample is still running is skipped, not
// queued.
func TestHangingTargetsDoNotDelayLiveOnes(t *testing.T) {
	const interval = 15 * time.Second
	live, dead, hanging := names("live", 40), names("dead", 5), names("hang", promptSamples+8)
	clock := &fakeClock{t: t0}
	release := make(chan struct{})
	var mu sync.Mutex
	seen := map[string][]history.Sample{}
	hangs := false
	r := New(Options{
		Targets: slices.Concat(live, dead, hanging), Interval: interval,
		Sample: func(_ context.Context, target string) map[string]float64 {
			mu.Lock()
			block := hangs
			mu.Unlock()
			switch {
			case target[:4] == "dead":
				return map[string]float64{"up": 0}
			case target[:4] == "hang" && block:
				<-release
				return map[string]float64{"up": 0}
			case target[:4] == "hang":
				// A slow refusal: the answer comes half an interval later.
				clock.set(clock.now().Add(interval / 2))
				return map[string]float64{"up": 0}
			}
			return map[string]float64{"up": 1}
		},
		OnSample: func(target string, s history.Sample) {
			mu.Lock()
			defer mu.Unlock()
			seen[target] = append(seen[target], s)
		},
	})
	defer r.Stop()
	r.now = clock.now
	// One interval in which the targets that will hang answer slowly.
	drive(r, clock, interval)
	mu.Lock()
	hangs = true
	mu.Unlock()
	// Three intervals in which they hang: the live and dead targets'
	// samples come in while theirs are still running.
	for k := range 3 {
		end := clock.now().Add(interval)
		for {
			at, due := r.sched.next(clock.now())
			if !at.Before(end) {
				break
			}
			clock.set(at)
			var answering []string
			for _, n := range due {
				r.launch(at, n)
				if !strings.HasPrefix(n, "hang") {
					answering = append(answering, n)
				}
			}
			// The clock moves on only once the targets that answer have
			// been stored: a sample still running when it jumps would
			// look slow, which is not what this test is about.
			for !allSeen(&mu, seen, answering, 2+k) {
				r.flush()
			}
		}
		clock.set(end)
		if !allSeen(&mu, seen, slices.Concat(live, dead), 2+k) {
			t.Fatalf("interval %d: not every live and dead target was sampled", k+2)
		}
	}
	for _, name := range slices.Concat(live, dead) {
		mu.Lock()
		got := seen[name]
		mu.Unlock()
		if len(got) != 4 {
			t.Errorf("%s: %d samples in 4 intervals", name, len(got))
		}
		for i := 1; i < len(got); i++ {
			if !got[i].At.After(got[i-1].At) {
				t.Errorf("%s: samples out of order: %v", name, got)
			}
		}
	}
	stats := r.Stats()
	if want := int64(len(hanging) * 2); stats.Skipped != want {
		t.Errorf("%d samples skipped; want %d (each hanging target, twice)", stats.Skipped, want)
	}
	close(release)
}

func allSeen(mu *sync.Mutex, seen map[string][]history.Sample, targets []string, n int) bool {
	mu.Lock()
	defer mu.Unlock()
	for _, name := range targets {
		if len(seen[name]) < n {
			return false
		}
	}
	return true
}
