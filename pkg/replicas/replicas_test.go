package replicas

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/history"
	"github.com/goscope/pprof/pkg/internal/s3server"
	"github.com/goscope/pprof/pkg/objstore"
)

const lease = 10 * time.Second

// clock is a replica's clock, moved by the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// slotStart is the start of a lease slot, well after the epoch.
var slotStart = time.UnixMilli(1_800_000_000_000 - 1_800_000_000_000%lease.Milliseconds())

type replica struct {
	*Coordinator
	clock *clock
	store *history.Store
	leads int
}

func newReplica(t *testing.T, b objstore.Bucket, id string) *replica {
	t.Helper()
	store, err := history.Open(filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	r := &replica{clock: &clock{t: slotStart}, store: store}
	r.Coordinator = New(Options{
		Bucket: b, Root: Root("ds-1"), Lease: lease, Store: store,
		Targets: func() []string { return []string{"api-1", "api-2"} }, Retention: time.Hour,
		OnLead: func() { r.leads++ },
		Log:    func(msg string, err error) { t.Logf("%s: %s: %v", id, msg, err) },
		Now:    r.clock.now, ID: id,
	})
	return r
}

func (r *replica) at(t time.Time) *replica {
	r.clock.set(t)
	r.Tick(context.Background())
	return r
}

// forEachBucket runs a test on a directory and on S3.
func forEachBucket(t *testing.T, test func(t *testing.T, b objstore.Bucket)) {
	for name, open := range buckets() {
		t.Run(name, func(t *testing.T) { test(t, open(t)) })
	}
}

func buckets() map[string]func(t *testing.T) objstore.Bucket {
	return map[string]func(t *testing.T) objstore.Bucket{
		"dir": func(t *testing.T) objstore.Bucket {
			b, err := objstore.OpenDir(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
		"s3": func(t *testing.T) objstore.Bucket {
			srv := s3server.Shared(t)
			b, err := objstore.OpenS3(objstore.S3Config{
				Endpoint: srv.Endpoint, Region: "us-east-1", Bucket: srv.NewBucket(t),
				PathStyle: true, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
			})
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
}

// One replica leads while it renews; the other takes over only once the
// slots the first claimed have ended, and within MaxTakeover.
func TestLeadershipAndTakeover(t *testing.T) {
	forEachBucket(t, func(t *testing.T, b objstore.Bucket) {
		a, c := newReplica(t, b, "a"), newReplica(t, b, "c")
		step := time.Second
		now := slotStart.Add(3 * time.Second)
		a.at(now)
		c.at(now)
		if !a.Leading() || c.Leading() {
			t.Fatalf("after the grace: a leads %v, c leads %v", a.Leading(), c.Leading())
		}
		if s := c.Status(); s.Leader != "a" || s.Leading || !s.Since.Equal(now) {
			t.Errorf("c's status %+v", s)
		}
		// Five leases with both alive: a leads at every step, c never.
		for range 5 * int(lease/step) {
			now = now.Add(step)
			a.at(now)
			c.at(now)
			if !a.Leading() || c.Leading() {
				t.Fatalf("at %v: a leads %v, c leads %v", now.Sub(slotStart), a.Leading(), c.Leading())
			}
		}
		if s := a.Status(); !s.Since.Equal(slotStart.Add(3*time.Second)) || !s.Leading {
			t.Errorf("a's status after renewing: %+v", s)
		}
		// a dies just after claiming the next slot, the worst case: what
		// it claimed is honoured to its end.
		for !a.holds(a.slotOf(now) + lease.Milliseconds()) {
			now = now.Add(step)
			a.at(now)
			c.at(now)
		}
		died := now
		a.mu.Lock()
		var until time.Time
		for slot := range a.held {
			until = time.UnixMilli(max(until.UnixMilli(), slot+lease.Milliseconds()))
		}
		a.mu.Unlock()
		for !c.Leading() {
			now = now.Add(step)
			c.at(now)
			if c.Leading() && now.Before(until) {
				t.Fatalf("c leads at %v, inside a slot a claimed (until %v)", now.Sub(slotStart), until.Sub(slotStart))
			}
			if now.Sub(died) > MaxTakeover(lease, DefaultGrace) {
				t.Fatalf("c does not lead %v after a died; MaxTakeover is %v", now.Sub(died), MaxTakeover(lease, DefaultGrace))
			}
		}
		t.Logf("c took over %v after a's last tick", now.Sub(died))
		if c.leads != 1 || a.leads != 1 {
			t.Errorf("OnLead calls: a %d, c %d", a.leads, c.leads)
		}
		if s := c.Status(); s.Leader != "c" || !s.Leading {
			t.Errorf("c's status after the takeover: %+v", s)
		}
	})
}

// Replicas racing for one slot: exactly one holds it.
func TestOneHolderPerSlot(t *testing.T) {
	forEachBucket(t, func(t *testing.T, b objstore.Bucket) {
		rs := []*replica{newReplica(t, b, "r1"), newReplica(t, b, "r2"), newReplica(t, b, "r3"), newReplica(t, b, "r4")}
		for i := range 5 {
			now := slotStart.Add(time.Duration(i)*lease + 5*time.Second)
			var wg sync.WaitGroup
			for _, r := range rs {
				wg.Go(func() { r.at(now) })
			}
			wg.Wait()
			leaders := 0
			for _, r := range rs {
				if r.Leading() {
					leaders++
				}
			}
			if leaders != 1 {
				t.Fatalf("slot %d: %d leaders", i, leaders)
			}
		}
	})
}

// A replica whose claim was written but whose answer was lost finds the
// claim its own; a claim of another replica is honoured.
func TestClaimReadBack(t *testing.T) {
	b := buckets()["dir"](t)
	a := newReplica(t, b, "a")
	now := slotStart.Add(3 * time.Second)
	a.claim(context.Background(), a.slotOf(now), now)
	a.mu.Lock()
	a.held = map[int64]claim{}
	a.mu.Unlock()
	if !a.at(now).Leading() {
		t.Fatal("a does not recognise its own claim")
	}
	other := newReplica(t, b, "b")
	if other.at(now).Leading() {
		t.Fatal("b leads in a slot a holds")
	}
	// A claim that is not one leaves the slot to nobody and says so.
	next := slotStart.Add(lease + 3*time.Second)
	if err := b.Put(context.Background(), other.slotKey(other.slotOf(next)), strings.NewReader("garbage"), 7); err != nil {
		t.Fatal(err)
	}
	if other.at(next).Leading() {
		t.Fatal("b leads over a garbage claim")
	}
	if s := other.Status(); s.Error == "" {
		t.Errorf("no error in the status after a garbage claim: %+v", s)
	}
}

// Stop gives the lease up, so another replica takes over within a quarter
// of a lease.
func TestStopHandsOver(t *testing.T) {
	b := buckets()["dir"](t)
	a, c := newReplica(t, b, "a"), newReplica(t, b, "c")
	now := slotStart.Add(3 * time.Second)
	a.clock.set(now)
	a.Start()
	for !a.Leading() {
		time.Sleep(10 * time.Millisecond)
	}
	if c.at(now).Leading() {
		t.Fatal("c leads while a does")
	}
	a.Stop()
	if a.Leading() {
		t.Error("a leads after Stop")
	}
	if !c.at(now.Add(lease / 4)).Leading() {
		t.Fatal("c does not take over after a stopped")
	}
}

func TestCaptureClaims(t *testing.T) {
	forEachBucket(t, func(t *testing.T, b objstore.Bucket) {
		a, c := newReplica(t, b, "a"), newReplica(t, b, "c")
		ctx := context.Background()
		at := slotStart.Add(time.Second)
		if err := a.ClaimCapture(ctx, "api-1", at, 5*time.Second); err != nil {
			t.Fatal(err)
		}
		// The other replica, later in the same interval: refused.
		if err := c.ClaimCapture(ctx, "api-1", at.Add(3*time.Second), 5*time.Second); !errors.Is(err, ErrCaptureClaimed) {
			t.Fatalf("second claim of the interval: %v", err)
		}
		// Even the first replica gets one capture per interval.
		if err := a.ClaimCapture(ctx, "api-1", at, 5*time.Second); !errors.Is(err, ErrCaptureClaimed) {
			t.Fatalf("repeated claim: %v", err)
		}
		if err := c.ClaimCapture(ctx, "api-2", at, 5*time.Second); err != nil {
			t.Fatalf("another target: %v", err)
		}
		if err := c.ClaimCapture(ctx, "api-1", at.Add(5*time.Second), 5*time.Second); err != nil {
			t.Fatalf("the next interval: %v", err)
		}
		// The leader deletes claims older than an hour.
		a.at(slotStart.Add(3 * time.Second))
		a.at(slotStart.Add(2*time.Hour + 3*time.Second))
		if objs, _ := b.List(ctx, Root("ds-1")+"/captures/"); len(objs) != 0 {
			t.Errorf("claims left after two hours: %v", objs)
		}
	})
}

func (r *replica) holds(slot int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.held[slot]
	return ok
}
