package capture

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/capturerules"
	"github.com/goscope/pprof/pkg/dumps"
)

var t0 = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

func testdata(t *testing.T, path ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{".."}, path...)...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fakeTarget serves real dumps and profiles, dated by its clock, and
// counts what it was asked.
type fakeTarget struct {
	t       *testing.T
	mu      sync.Mutex
	clock   time.Time
	asked   []string
	fail    map[string]error
	stale   bool // the first goroutine dump predates the spike
	release chan struct{}
}

func (f *fakeTarget) record(what string) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, what)
	return f.clock, f.fail[what]
}

func (f *fakeTarget) Goroutines(ctx context.Context, target string) (Part, error) {
	if f.release != nil {
		<-f.release
	}
	at, err := f.record("goroutines")
	if f.stale {
		f.stale = false
		at = at.Add(-3 * time.Second)
	}
	return Part{Data: testdata(f.t, "stackgroups", "testdata", "growth", "after.debug2.txt"), FetchedAt: at, Kind: "goroutine", Ext: ".txt", Description: "goroutines (full dump)"}, err
}

func (f *fakeTarget) Profile(ctx context.Context, target, profile string, seconds int) (Part, error) {
	at, err := f.record(profile)
	return Part{Data: testdata(f.t, "profiles", "testdata", profile+".pb.gz"), FetchedAt: at, Kind: profile, Ext: ".pb.gz", Description: profile + " profile"}, err
}

func (f *fakeTarget) Trace(ctx context.Context, target string, seconds int) (Part, error) {
	at, err := f.record("trace")
	return Part{Data: []byte("go 1.23 trace\x00\x00\x00"), FetchedAt: at, Kind: "trace", Ext: ".out"}, err
}

func newCapturer(t *testing.T, f *fakeTarget, baseline func(string, time.Time) (Part, bool)) (*Capturer, *dumps.Store, *[]time.Duration) {
	t.Helper()
	store, err := dumps.OpenStore(dumps.StoreOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	c := New(Options{Fetch: f, Store: store, QuotaBytes: 64 << 20, MinInterval: 5 * time.Second, Baseline: baseline, MaxSeconds: 30})
	var slept []time.Duration
	c.now = func() time.Time { return f.clock }
	c.sleep = func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}
	return c, store, &slept
}

func trigger(figure string, cpu, trace int) capturerules.Trigger {
	return capturerules.Trigger{
		Target: "api-1", At: t0, Value: 9877, Previous: 1203, HasPrevious: true, Mean: 1203,
		Rule: capturerules.Rule{Figure: figure, Diff: 25, Samples: 10, Cooldown: 10 * time.Minute, CPUSeconds: cpu, TraceSeconds: trace},
	}
}

func TestBundleIsStoredWithTheReason(t *testing.T) {
	f := &fakeTarget{t: t, clock: t0.Add(time.Second)}
	baseline := func(target string, before time.Time) (Part, bool) {
		return Part{Data: testdata(t, "stackgroups", "testdata", "growth", "before.debug2.txt"), FetchedAt: t0.Add(-40 * time.Second), Ext: ".txt", Description: "goroutines (full dump)"}, true
	}
	c, store, _ := newCapturer(t, f, baseline)
	res, err := c.Capture(context.Background(), "api-1", []capturerules.Trigger{trigger("goroutines", 5, 3)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failures) != 0 {
		t.Errorf("failures: %v", res.Failures)
	}
	want := "goroutines 1,203 → 9,877, +721% over the mean of 10 samples"
	if res.Reason != want || res.Bundle != "api-1 20261121T030000Z" {
		t.Errorf("bundle %q, reason %q", res.Bundle, res.Reason)
	}
	var kinds []string
	for _, e := range store.List() {
		if e.Source != "capture:api-1" || e.Capture == nil || e.Capture.Reason != want || e.Capture.Bundle != res.Bundle || !e.Capture.At.Equal(t0) {
			t.Errorf("stored %+v", e)
		}
		kinds = append(kinds, string(e.Format))
	}
	slices.Sort(kinds)
	if got := strings.Join(kinds, " "); got != "goroutine-text goroutine-text pprof-cpu pprof-goroutine pprof-heap pprof-threadcreate trace" {
		t.Errorf("bundle holds %s", got)
	}
	var baselineEntry dumps.Entry
	for _, e := range store.List() {
		if strings.HasPrefix(e.Name, "goroutine-baseline.") {
			baselineEntry = e
		}
	}
	if !baselineEntry.CapturedAt.Equal(t0.Add(-40*time.Second)) || !strings.Contains(baselineEntry.Capture.Part, "before the spike") {
		t.Errorf("baseline = %+v", baselineEntry)
	}
}

// A goroutine dump the targets client reused from before the spike is
// fetched again once the minimum interval has passed.
func TestStaleDumpIsFetchedAgainAfterTheMinimumInterval(t *testing.T) {
	f := &fakeTarget{t: t, clock: t0.Add(time.Second), stale: true}
	c, store, slept := newCapturer(t, f, nil)
	if _, err := c.Capture(context.Background(), "api-1", []capturerules.Trigger{trigger("goroutines", 0, 0)}); err != nil {
		t.Fatal(err)
	}
	if len(*slept) != 1 || (*slept)[0] != 2*time.Second {
		t.Errorf("waited %v; want once, until 5 s after the stale fetch", *slept)
	}
	if n := strings.Count(strings.Join(f.asked, " "), "goroutines"); n != 2 {
		t.Errorf("goroutines asked %d times", n)
	}
	for _, e := range store.List() {
		if e.Format == "goroutine-text" && e.CapturedAt.Before(t0) {
			t.Errorf("stored the stale dump %v", e.CapturedAt)
		}
	}
	if slices.Contains(f.asked, "cpu") || slices.Contains(f.asked, "trace") {
		t.Errorf("asked %v without a rule asking for a CPU profile or trace", f.asked)
	}
}

func TestOneCaptureAtATimePerTarget(t *testing.T) {
	f := &fakeTarget{t: t, clock: t0.Add(time.Second), release: make(chan struct{})}
	c, store, _ := newCapturer(t, f, nil)
	done := make(chan error)
	go func() {
		_, err := c.Capture(context.Background(), "api-1", []capturerules.Trigger{trigger("goroutines", 0, 0)})
		done <- err
	}()
	// Wait until the first capture holds its claim.
	for {
		claims.Lock()
		busy := claims.busy[claimKey{store, "api-1"}]
		claims.Unlock()
		if busy {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if _, err := c.Capture(context.Background(), "api-1", []capturerules.Trigger{trigger("threads", 0, 0)}); !errors.Is(err, ErrBusy) {
		t.Errorf("a second capture while one runs: %v", err)
	}
	close(f.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestFailedPartsAreReported(t *testing.T) {
	down := errors.New("connection refused")
	f := &fakeTarget{t: t, clock: t0.Add(time.Second), fail: map[string]error{"heap": down}}
	c, _, _ := newCapturer(t, f, nil)
	res, err := c.Capture(context.Background(), "api-1", []capturerules.Trigger{trigger("goroutines", 0, 0)})
	if err != nil || len(res.Entries) != 3 || len(res.Failures) != 1 || !strings.Contains(res.Failures[0], "heap profile: connection refused") {
		t.Errorf("result %+v, %v", res, err)
	}
	f.fail = map[string]error{"goroutines": down, "heap": down, "threadcreate": down, "goroutine": down}
	later := trigger("goroutines", 0, 0)
	later.At = t0.Add(time.Hour)
	if _, err := c.Capture(context.Background(), "api-1", []capturerules.Trigger{later}); err == nil || !strings.Contains(err.Error(), "stored nothing") {
		t.Errorf("nothing fetched: %v", err)
	}
}

// Cooldowns hold against the captures in the store, such as those another
// instance of the data source took.
func TestStoredCapturesHoldTheCooldown(t *testing.T) {
	f := &fakeTarget{t: t, clock: t0.Add(time.Second)}
	c, store, _ := newCapturer(t, f, nil)
	if _, err := c.Capture(context.Background(), "api-1", []capturerules.Trigger{trigger("goroutines", 0, 0)}); err != nil {
		t.Fatal(err)
	}
	other := New(Options{Fetch: f, Store: store, QuotaBytes: 64 << 20})
	later := trigger("goroutines", 0, 0)
	later.At = t0.Add(9 * time.Minute)
	if _, err := other.Capture(context.Background(), "api-1", []capturerules.Trigger{later}); !errors.Is(err, ErrCooldown) {
		t.Errorf("within the cooldown of a stored capture: %v", err)
	}
	threads := trigger("threads", 0, 0)
	threads.At = later.At
	res, err := other.Capture(context.Background(), "api-1", []capturerules.Trigger{later, threads})
	if err != nil || strings.Contains(res.Reason, "goroutines") || !strings.HasPrefix(res.Reason, "threads") {
		t.Errorf("another rule fired: %q, %v", res.Reason, err)
	}
	later.At = t0.Add(10 * time.Minute)
	if _, err := other.Capture(context.Background(), "api-1", []capturerules.Trigger{later}); err != nil {
		t.Errorf("after the cooldown: %v", err)
	}
}

// A claim refused (another replica captures this interval) takes nothing.
func TestClaimRefused(t *testing.T) {
	f := &fakeTarget{t: t, clock: t0.Add(time.Second)}
	c, store, _ := newCapturer(t, f, nil)
	taken := errors.New("another replica takes this capture")
	var asked []time.Time
	c.opts.Claim = func(_ context.Context, target string, at time.Time) error {
		asked = append(asked, at)
		return taken
	}
	if _, err := c.Capture(context.Background(), "api-1", []capturerules.Trigger{trigger("goroutines", 0, 0)}); !errors.Is(err, taken) {
		t.Fatalf("claim refused: %v", err)
	}
	if len(f.asked) != 0 || len(store.List()) != 0 || len(asked) != 1 || !asked[0].Equal(t0) {
		t.Errorf("after a refused claim: asked the target %v, stored %d, claims %v", f.asked, len(store.List()), asked)
	}
}
