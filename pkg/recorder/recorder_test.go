package recorder

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/history"
)

var t0 = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

func openStore(t *testing.T) (*history.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// fakeClock advances by step on every reading.
type fakeClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
}

// rounds runs n rounds 15 s apart and waits for their full dumps.
func rounds(r *Recorder, clock *fakeClock, n int) {
	for range n {
		r.round(context.Background())
		r.fullDumps.Wait()
		clock.advance()
	}
}

func TestSamplesSurviveANewRecorder(t *testing.T) {
	store, path := openStore(t)
	clock := &fakeClock{t: t0, step: 15 * time.Second}
	goroutines := 100.0
	opts := Options{
		Targets: []string{"a", "b"}, Interval: 15 * time.Second, Retention: time.Hour, Store: store,
		Sample: func(ctx context.Context, target string) map[string]float64 {
			return map[string]float64{"up": 1, "goroutines": goroutines}
		},
	}
	var seen []history.Sample
	opts.OnSample = func(target string, s history.Sample) {
		if target == "a" {
			seen = append(seen, s)
		}
	}
	r := New(opts)
	r.now = clock.now
	rounds(r, clock, 3)
	store.Close()

	reopened, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	goroutines = 200
	opts.Store = reopened
	r2 := New(opts)
	r2.now = clock.now
	rounds(r2, clock, 2)
	got, err := reopened.Range("a", t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 5 || got[0].Values["goroutines"] != 100 || got[4].Values["goroutines"] != 200 || !got[4].At.Equal(t0.Add(60*time.Second)) {
		t.Fatalf("history across recorders = %v", got)
	}
	if len(seen) != 5 || seen[3].Values["goroutines"] != 200 {
		t.Errorf("OnSample saw %v", seen)
	}
}

func TestRetentionPrunes(t *testing.T) {
	store, _ := openStore(t)
	clock := &fakeClock{t: t0, step: time.Minute}
	r := New(Options{
		Targets: []string{"a"}, Interval: time.Minute, Retention: 10 * time.Minute, Store: store,
		Sample: func(context.Context, string) map[string]float64 { return map[string]float64{"up": 1} },
	})
	r.now = clock.now
	rounds(r, clock, pruneEvery+1)
	first, _, _ := store.First("a")
	// Pruned on round pruneEvery+1 at minute pruneEvery: ten minutes kept.
	if want := t0.Add(time.Duration(pruneEvery-10) * time.Minute); !first.Equal(want) {
		t.Errorf("oldest sample %v; want %v", first, want)
	}
}

// Full dumps: at most one per target per interval, never above the
// goroutine limit, never for a target that is down, never two at once for
// one target, and their figures stored at the dump's time.
func TestFullDumpCadence(t *testing.T) {
	store, _ := openStore(t)
	clock := &fakeClock{t: t0, step: 15 * time.Second}
	var mu sync.Mutex
	calls := map[string][]time.Time{}
	counts := map[string]float64{"small": 100, "big": 90000, "down": 10}
	r := New(Options{
		Targets: []string{"small", "big", "down"}, Interval: 15 * time.Second, Retention: time.Hour, Store: store,
		Sample: func(_ context.Context, target string) map[string]float64 {
			if target == "down" {
				return map[string]float64{"up": 0}
			}
			return map[string]float64{"up": 1, "goroutines": counts[target]}
		},
		FullDump: func(_ context.Context, target string) (time.Time, map[string]float64, error) {
			mu.Lock()
			defer mu.Unlock()
			at := clock.now().Add(2 * time.Second)
			calls[target] = append(calls[target], at)
			return at, map[string]float64{"goroutines_lock": 7}, nil
		},
		FullDumpInterval:      time.Minute,
		MaxFullDumpGoroutines: 50000,
	})
	r.now = clock.now
	rounds(r, clock, 12) // 3 minutes
	if n := len(calls["small"]); n != 3 {
		t.Errorf("small: %d full dumps in 3 minutes at one a minute; want 3", n)
	}
	if len(calls["big"]) != 0 || len(calls["down"]) != 0 {
		t.Errorf("full dumps of a target above the limit or down: %v", calls)
	}
	got, _ := store.Range("small", t0, t0.Add(time.Hour))
	states := 0
	for _, s := range got {
		if v, ok := s.Values["goroutines_lock"]; ok {
			states++
			if v != 7 || s.At.Sub(t0)%time.Minute != 2*time.Second {
				t.Errorf("state sample %v", s)
			}
		}
	}
	if states != 3 {
		t.Errorf("%d state samples stored", states)
	}
}

func TestSlowFullDumpIsNotOverlapped(t *testing.T) {
	clock := &fakeClock{t: t0, step: 2 * time.Minute}
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	var errs []error
	r := New(Options{
		Targets: []string{"a"}, Interval: time.Minute,
		Sample: func(context.Context, string) map[string]float64 { return map[string]float64{"up": 1, "goroutines": 5} },
		FullDump: func(ctx context.Context, target string) (time.Time, map[string]float64, error) {
			started <- struct{}{}
			<-release
			return time.Time{}, nil, errors.New("target went away")
		},
		FullDumpInterval:      time.Minute,
		MaxFullDumpGoroutines: 100,
		OnError:               func(_ string, err error) { errs = append(errs, err) },
	})
	r.now = clock.now
	for range 3 {
		r.round(context.Background())
		clock.advance()
	}
	close(release)
	r.fullDumps.Wait()
	if len(started) != 1 {
		t.Errorf("%d full dumps of one target at once", len(started))
	}
	if len(errs) != 1 {
		t.Errorf("errors reported: %v", errs)
	}
}

func TestStartAndStop(t *testing.T) {
	store, _ := openStore(t)
	sampled := make(chan struct{}, 100)
	r := New(Options{
		Targets: []string{"a"}, Interval: 5 * time.Millisecond, Retention: time.Hour, Store: store,
		Sample: func(context.Context, string) map[string]float64 {
			sampled <- struct{}{}
			return map[string]float64{"up": 1}
		},
	})
	r.Start()
	for range 3 {
		<-sampled
	}
	r.Stop()
	n := len(sampled)
	time.Sleep(20 * time.Millisecond)
	if len(sampled) != n {
		t.Error("sampling continued after Stop")
	}
}

// A recorder that does not lead samples nothing and takes no full dump;
// what it records while leading is handed to Recorded as well.
func TestOnlyTheLeaderRecords(t *testing.T) {
	store, _ := openStore(t)
	clock := &fakeClock{t: t0, step: 15 * time.Second}
	leading := false
	var polled, fullDumps int
	var handed []history.Record
	r := New(Options{
		Targets: []string{"a"}, Interval: 15 * time.Second, Retention: time.Hour, Store: store,
		Sample: func(context.Context, string) map[string]float64 {
			polled++
			return map[string]float64{"up": 1, "goroutines": 10}
		},
		FullDump: func(context.Context, string) (time.Time, map[string]float64, error) {
			fullDumps++
			return clock.now(), map[string]float64{"goroutines_running": 1}, nil
		},
		FullDumpInterval: 15 * time.Second, MaxFullDumpGoroutines: 100,
		Leading:  func() bool { return leading },
		Recorded: func(rs []history.Record) { handed = append(handed, rs...) },
	})
	r.now = clock.now
	rounds(r, clock, 2)
	if polled != 0 || fullDumps != 0 || len(handed) != 0 {
		t.Fatalf("not leading: %d polls, %d full dumps, %d records handed", polled, fullDumps, len(handed))
	}
	leading = true
	rounds(r, clock, 2)
	if polled != 2 || fullDumps != 2 || len(handed) != 4 {
		t.Fatalf("leading: %d polls, %d full dumps, %d records handed; want 2, 2, 4", polled, fullDumps, len(handed))
	}
	if got, _ := store.Range("a", t0, t0.Add(time.Hour)); len(got) != 2 {
		t.Errorf("stored %d samples; want 2", len(got))
	}
}
