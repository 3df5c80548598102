package replicas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/goscope/pprof/pkg/objstore"
)

// claim is the body of a slot's key: who holds it and since when that
// replica has led without a break.
type claim struct {
	Replica string    `json:"replica"`
	Since   time.Time `json:"since"`
	// LeaseSeconds says how long the slot is, for a person reading the
	// bucket.
	LeaseSeconds float64 `json:"leaseSeconds"`
}

// maxClaimBytes bounds what is read of a claim.
const maxClaimBytes = 4 << 10

// slotOf is the start, in Unix milliseconds, of the slot holding t.
func (c *Coordinator) slotOf(t time.Time) int64 {
	lease := c.o.Lease.Milliseconds()
	ms := t.UnixMilli()
	return ms - ms%lease
}

func (c *Coordinator) slotKey(slot int64) string {
	return fmt.Sprintf("%s/leader/%015d", c.o.Root, slot)
}

// Leading reports whether this replica holds the current slot: the
// recorder's gate, asked every round.
func (c *Coordinator) Leading() bool {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.held[c.slotOf(now)]
	return ok && !c.stopped
}

// lead claims the slot that is due: the next one shortly before it starts
// while this replica leads, the current one once its grace has passed
// when it does not (at once when it held the previous slot).
func (c *Coordinator) lead(ctx context.Context, now time.Time) {
	slot := c.slotOf(now)
	lease := c.o.Lease.Milliseconds()
	c.mu.Lock()
	for s := range c.held {
		if s < slot-lease {
			delete(c.held, s)
		}
	}
	for s := range c.lost {
		if s < slot {
			delete(c.lost, s)
		}
	}
	current, holding := c.held[slot]
	previous, heldPrevious := c.held[slot-lease]
	_, nextHeld := c.held[slot+lease]
	lostAt, lostCurrent := c.lost[slot]
	_, lostNext := c.lost[slot+lease]
	c.mu.Unlock()

	offset := now.UnixMilli() - slot
	switch {
	case holding:
		if !nextHeld && !lostNext && offset >= lease-lease/4 {
			c.claim(ctx, slot+lease, current.Since)
		}
	case lostCurrent && now.Sub(lostAt) < c.o.Lease/4:
		// Asked again now and then: a holder that stops gives its slot up.
	case heldPrevious:
		c.claim(ctx, slot, previous.Since)
	case offset >= c.o.Grace.Milliseconds():
		c.claim(ctx, slot, now)
	}
}

// claim tries to create a slot's key, and records who holds it.
func (c *Coordinator) claim(ctx context.Context, slot int64, since time.Time) {
	mine := claim{Replica: c.id, Since: since.UTC(), LeaseSeconds: c.o.Lease.Seconds()}
	body, _ := json.Marshal(mine)
	key := c.slotKey(slot)
	err := c.o.Bucket.PutIfAbsent(ctx, key, bytes.NewReader(body), int64(len(body)))
	holder := mine
	if errors.Is(err, objstore.ErrExists) {
		// A claim of ours whose answer was lost reads as someone else's.
		holder, err = c.readClaim(ctx, key)
	}
	if err != nil {
		if ctx.Err() == nil {
			c.fail("claiming the recorder's lease "+key, err)
		}
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if holder.Replica == c.id {
		c.held[slot] = holder
	} else {
		c.lost[slot] = c.now()
	}
	if slot <= c.slotOf(c.now()) {
		c.leader = holder
	}
}

func (c *Coordinator) readClaim(ctx context.Context, key string) (claim, error) {
	data, err := objstore.ReadAll(ctx, c.o.Bucket, key, maxClaimBytes)
	if err != nil {
		return claim{}, err
	}
	var cl claim
	if err := json.Unmarshal(data, &cl); err != nil || cl.Replica == "" {
		return claim{}, fmt.Errorf("%s is not a claim", key)
	}
	return cl, nil
}

// Status is what a replica knows of the recorder's leadership.
type Status struct {
	// Replica is this replica's name.
	Replica string `json:"replica"`
	// Leading says whether this replica records now.
	Leading bool `json:"leading"`
	// Leader is the replica that holds the newest slot seen, and Since
	// when it has led without a break; empty before any is seen.
	Leader string    `json:"leader,omitempty"`
	Since  time.Time `json:"since,omitzero"`
	// Imported counts the history segments this replica imported.
	Imported int `json:"importedSegments"`
	// Error is the last failure, if any within the last lease.
	Error string `json:"error,omitempty"`
}

// Status says who leads and since when.
func (c *Coordinator) Status() Status {
	leading := c.Leading()
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	s := Status{Replica: c.id, Leading: leading, Leader: c.leader.Replica, Since: c.leader.Since, Imported: c.imported}
	if c.lastErr != nil && now.Sub(c.lastErrAt) < c.o.Lease {
		s.Error = c.lastErr.Error()
	}
	return s
}

// String says the status in a sentence, for the health check.
func (s Status) String() string {
	var msg string
	switch {
	case s.Leading:
		msg = fmt.Sprintf("This replica (%s) records the targets, since %s.", s.Replica, s.Since.UTC().Format(time.RFC3339))
	case s.Leader != "":
		msg = fmt.Sprintf("Replica %s records the targets, since %s; this replica (%s) imports its history (%s segments so far).",
			s.Leader, s.Since.UTC().Format(time.RFC3339), s.Replica, strconv.Itoa(s.Imported))
	default:
		msg = fmt.Sprintf("No replica records the targets yet; this replica (%s) is waiting for the recorder's lease.", s.Replica)
	}
	if s.Error != "" {
		msg += " Object storage: " + s.Error + "."
	}
	return msg
}
