// Package replicas makes several plugin processes (one per Grafana replica)
// configured with the same bucket behave as one recorder: one of them, the
// leader, samples the targets and takes full dumps, so each target is polled
// once per interval however many replicas run; a capture is taken once per
// target and interval whichever replica sees the spike; and the leader's
// samples reach every replica's local history store, so a query answers the
// same history, each sample once, through any replica.
//
// Everything goes through an objstore.Bucket, and the only coordination
// primitive is PutIfAbsent (a conditional write, If-None-Match: *, on S3;
// an exclusive hard link on a directory): no lock service, no clock kept
// in the bucket.
//
// Leadership is cut into slots of one lease: slot n runs from n×lease to
// (n+1)×lease in Unix time, and whoever creates <root>/leader/<slot start>
// leads for that slot. The leader creates the next slot's key a quarter of
// a lease before it starts, so it keeps leading; the others try to create
// a slot's key only once the slot has begun plus a grace, so while the
// leader lives it always wins, and after it dies (it no longer creates the
// next key) another replica takes over at the start of the first slot it
// did not claim. A claim by a dead replica is honoured until its slot
// ends. Takeover after a leader dies therefore takes at most 1¼ leases plus
// the grace and one tick (see MaxTakeover); the recorder's first round
// follows within one record interval.
//
// Clock assumption: replicas' clocks agree (NTP) to well under the grace
// (DefaultGrace, 2 s). A replica whose clock runs ahead by more than the
// grace may claim a slot the leader has not renewed yet and both record
// for up to one slot; no slot ever has two holders.
//
// Captures: before taking one, a replica creates
// <root>/captures/t-<target>/<interval start>; only the replica that
// creates it captures, the leader included, so a handover cannot double a
// capture of the same interval. Cooldowns across intervals are the dump
// store's (a capture already stored holds its rule's cooldown).
//
// History: the leader publishes what it recorded every segment span (one
// lease, longer for long retentions so a bucket holds at most a few
// thousand segments) as <root>/history/<start>_<replica>_<n>.json.gz; every
// replica imports the segments it has not imported yet into its local
// history store, in the same transaction that remembers them
// (history.Store.Import), so a restart does not import twice and an
// import that runs twice stores each sample once. Queries keep reading the
// local store. A segment larger than MaxSegmentBytes (compressed or not),
// unreadable or not a segment is skipped with a logged error. The leader
// deletes segments older than the retention, old slot keys and capture
// claims older than an hour.
//
// <root> is replicas/<data source uid>, so data sources sharing a bucket
// keep apart.
package replicas

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/history"
	"github.com/goscope/pprof/pkg/objstore"
)

// DefaultGrace is how long after a slot begins a replica that did not hold
// the previous slot waits before claiming it; replicas' clocks must agree
// to well under it.
const DefaultGrace = 2 * time.Second

// minLease keeps the bucket traffic of a short record interval low.
const minLease = 10 * time.Second

// LeaseFor is the lease that suits a record interval: two intervals, at
// least 10 s.
func LeaseFor(interval time.Duration) time.Duration {
	return max(2*interval, minLease)
}

// MaxTakeover bounds the time from a leader's death to another replica
// leading.
func MaxTakeover(lease, grace time.Duration) time.Duration {
	return lease + lease/4 + grace + tickOf(lease)
}

// Options configure a Coordinator. Bucket, Root and Lease are required.
type Options struct {
	Bucket objstore.Bucket
	// Root is the key prefix of this data source's coordination, such as
	// "replicas/<uid>" (Root builds it).
	Root  string
	Lease time.Duration
	// Grace defaults to DefaultGrace.
	Grace time.Duration
	// Store receives the imported history; nil when the local store could
	// not be opened (the replica still coordinates and publishes).
	Store *history.Store
	// Targets lists the targets recorded now; imported samples of others
	// are dropped.
	Targets func() []string
	// Retention is how long segments are kept in the bucket and imported
	// samples in the local store.
	Retention time.Duration
	// OnLead is called when this replica starts leading, such as to seed
	// capture rules from the history imported so far.
	OnLead func()
	// Log is told of what failed; the coordinator goes on.
	Log func(msg string, err error)
	// Now and ID replace the clock and the replica's name in tests.
	Now func() time.Time
	ID  string
}

// Root is the coordination prefix of a data source.
func Root(uid string) string {
	if uid == "" || !objstore.ValidKey(uid) || strings.Contains(uid, "/") {
		uid = "uid-" + hex.EncodeToString([]byte(uid))
	}
	return "replicas/" + uid
}

// processID names this process in claims and segments: every data source
// instance of the process shares it, so the instance Grafana creates when
// settings change recognises the claims of the one it replaces.
var processID = func() string {
	host, _ := os.Hostname()
	var b strings.Builder
	for _, r := range strings.ToLower(host) {
		if b.Len() >= 40 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			b.WriteRune(r)
		}
	}
	random := make([]byte, 4)
	_, _ = rand.Read(random)
	if b.Len() == 0 {
		return hex.EncodeToString(random)
	}
	return b.String() + "-" + hex.EncodeToString(random)
}()

// Coordinator is one replica's part: it claims leadership, publishes and
// imports history, and claims captures.
type Coordinator struct {
	o    Options
	id   string
	now  func() time.Time
	span time.Duration

	mu         sync.Mutex
	held       map[int64]claim     // slots this replica holds, by slot start (ms)
	lost       map[int64]time.Time // slots another replica holds: when last asked
	leader     claim               // the newest holder seen, for the status
	wasLeading bool
	pending    []history.Record
	bad        map[string]bool // segments skipped, logged once
	imported   int
	lastErr    error
	lastErrAt  time.Time
	stopped    bool

	lastPublish, lastImport, lastPrune time.Time
	seq                                int

	started bool
	stop    chan struct{}
	done    chan struct{}
}

// New returns a coordinator; Start runs it.
func New(o Options) *Coordinator {
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	c := &Coordinator{
		o:    o,
		id:   o.ID,
		now:  o.Now,
		span: segmentSpan(o.Lease, o.Retention),
		held: map[int64]claim{},
		lost: map[int64]time.Time{},
		bad:  map[string]bool{},
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	if c.id == "" {
		c.id = processID
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// ID is this replica's name in claims and segments.
func (c *Coordinator) ID() string { return c.id }

// tickOf is how often a coordinator looks at the bucket: a tenth of the
// lease, between 200 ms and 3 s.
func tickOf(lease time.Duration) time.Duration {
	return min(max(lease/10, 200*time.Millisecond), 3*time.Second)
}

// Start runs the coordinator in the background until Stop.
func (c *Coordinator) Start() {
	c.started = true
	active.add(c.key(), 1)
	go func() {
		defer close(c.done)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-c.stop
			cancel()
		}()
		ticker := time.NewTicker(tickOf(c.o.Lease))
		defer ticker.Stop()
		for {
			c.Tick(ctx)
			select {
			case <-c.stop:
				return
			case <-ticker.C:
			}
		}
	}()
}

// Stop ends the coordinator: it publishes the samples not yet published
// and, when no other instance of this process coordinates the same data
// source, gives up its claims so another replica takes over at once.
func (c *Coordinator) Stop() {
	if !c.started {
		return
	}
	close(c.stop)
	<-c.done
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c.publish(ctx, true)
	c.mu.Lock()
	c.stopped = true
	held := c.held
	c.held = map[int64]claim{}
	c.mu.Unlock()
	if active.add(c.key(), -1) == 0 {
		for slot := range held {
			if err := c.o.Bucket.Delete(ctx, c.slotKey(slot)); err != nil {
				c.fail("releasing the recorder's lease", err)
			}
		}
	}
}

// Tick does one round of the coordinator's work: leadership, history
// publishing and import, and clean-up. Start calls it every tick; tests
// call it with their own clock.
func (c *Coordinator) Tick(ctx context.Context) {
	now := c.now()
	c.lead(ctx, now)
	leading := c.Leading()
	c.mu.Lock()
	started, ended := leading && !c.wasLeading, !leading && c.wasLeading
	c.wasLeading = leading
	c.mu.Unlock()
	if started && c.o.OnLead != nil {
		c.o.OnLead()
	}
	if now.Sub(c.lastImport) >= c.span/2 {
		c.lastImport = now
		c.importSegments(ctx, now, leading)
	}
	if ended || now.Sub(c.lastPublish) >= c.span {
		c.publish(ctx, false)
	}
	if leading && now.Sub(c.lastPrune) >= c.span {
		c.lastPrune = now
		c.cleanUp(ctx, now)
	}
	if !leading && c.o.Store != nil && c.o.Retention > 0 && now.Sub(c.lastPrune) >= followerPruneEvery {
		// The recorder prunes the store only while it records.
		c.lastPrune = now
		if _, err := c.o.Store.Prune(now.Add(-c.o.Retention)); err != nil {
			c.fail("pruning imported history", err)
		}
	}
}

// followerPruneEvery is how often a replica that does not record deletes
// imported samples older than the retention.
const followerPruneEvery = 10 * time.Minute

func (c *Coordinator) fail(what string, err error) {
	c.mu.Lock()
	c.lastErr, c.lastErrAt = errors.New(what+": "+err.Error()), c.now()
	c.mu.Unlock()
	if c.o.Log != nil {
		c.o.Log(what, err)
	}
}

// key identifies the data source's coordination in this process.
func (c *Coordinator) key() string { return c.o.Bucket.String() + "\x00" + c.o.Root }

// active counts the running coordinators of this process per data source.
var active = activeCount{n: map[string]int{}}

type activeCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (a *activeCount) add(key string, d int) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n[key] += d
	if a.n[key] <= 0 {
		delete(a.n, key)
	}
	return a.n[key]
}
