package replicas

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goscope/pprof/pkg/history"
	"github.com/goscope/pprof/pkg/objstore"
)

// Bounds on history segments, so a garbage or huge object in the bucket
// costs a logged error and never the process.
const (
	// MaxSegmentBytes bounds a segment, compressed and decompressed.
	MaxSegmentBytes = 32 << 20
	// maxSegmentRecords splits what a leader publishes at once; 10,000
	// samples of every figure compress to well under a MiB.
	maxSegmentRecords = 10000
	// maxPending bounds the samples kept while the bucket cannot be
	// written; the oldest are dropped first.
	maxPending = 200000
	// maxSegments bounds the segments a bucket holds over the retention;
	// the span grows for long retentions.
	maxSegments = 3000
	// maxListed bounds the segments one import looks at, and maxImports
	// those it reads.
	maxListed  = 2 * maxSegments
	maxImports = 500
	// maxDeletes bounds the deletions of one clean-up.
	maxDeletes = 200
)

// segmentSpan is how much history one segment holds: a lease, longer when
// the retention would otherwise keep more than maxSegments.
func segmentSpan(lease, retention time.Duration) time.Duration {
	return max(lease, retention/maxSegments)
}

// segment is a published batch of samples.
type segment struct {
	Replica string          `json:"replica"`
	Records []segmentRecord `json:"records"`
}

type segmentRecord struct {
	Target string `json:"target"`
	// At is the sample time in Unix nanoseconds, kept exact so an
	// imported sample lands on the same row however often it comes.
	At     int64              `json:"at"`
	Values map[string]float64 `json:"values"`
}

// Record hands the coordinator what the recorder recorded; while this
// replica leads it is published with the next segment.
func (c *Coordinator) Record(records []history.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, records...)
	if over := len(c.pending) - maxPending; over > 0 {
		c.pending = slices.Delete(c.pending, 0, over)
	}
}

func (c *Coordinator) historyPrefix() string { return c.o.Root + "/history/" }

// publish writes the pending samples as segments; what cannot be written
// stays pending for the next try, unless final.
func (c *Coordinator) publish(ctx context.Context, final bool) {
	c.mu.Lock()
	records := c.pending
	c.pending = nil
	c.mu.Unlock()
	c.lastPublish = c.now()
	if len(records) == 0 {
		return
	}
	for len(records) > 0 {
		n := min(len(records), maxSegmentRecords)
		if err := c.putSegment(ctx, records[:n]); err != nil {
			c.fail("publishing history", err)
			if !final {
				c.mu.Lock()
				c.pending = append(records, c.pending...)
				c.mu.Unlock()
			}
			return
		}
		records = records[n:]
	}
}

func (c *Coordinator) putSegment(ctx context.Context, records []history.Record) error {
	seg := segment{Replica: c.id, Records: make([]segmentRecord, 0, len(records))}
	start := records[0].At
	for _, r := range records {
		values := make(map[string]float64, len(r.Values))
		for k, v := range r.Values {
			// JSON has no NaN or infinity; such a reading is no sample.
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				values[k] = v
			}
		}
		seg.Records = append(seg.Records, segmentRecord{Target: r.Target, At: r.At.UnixNano(), Values: values})
		if r.At.Before(start) {
			start = r.At
		}
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(seg); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	c.seq++
	key := fmt.Sprintf("%s%019d_%s_%d.json.gz", c.historyPrefix(), max(start.UnixNano(), 0), c.id, c.seq)
	return c.o.Bucket.Put(ctx, key, &buf, int64(buf.Len()))
}

// segmentStart reads the start time a segment's key begins with.
func segmentStart(key string) (time.Time, bool) {
	name := path.Base(key)
	digits, _, ok := strings.Cut(name, "_")
	if !ok || len(digits) != 19 || !strings.HasSuffix(name, ".json.gz") {
		return time.Time{}, false
	}
	ns, err := strconv.ParseInt(digits, 10, 64)
	return time.Unix(0, ns), err == nil
}

// importSegments imports the segments not imported yet, and while leading
// deletes those older than the retention.
func (c *Coordinator) importSegments(ctx context.Context, now time.Time, leading bool) {
	objs, err := c.o.Bucket.List(ctx, c.historyPrefix())
	if err != nil {
		if ctx.Err() == nil {
			c.fail("listing history segments", err)
		}
		return
	}
	if len(objs) > maxListed {
		c.fail("importing history", fmt.Errorf("%d segments in the bucket; only the newest %d are read", len(objs), maxListed))
		objs = objs[len(objs)-maxListed:]
	}
	oldest := now.Add(-c.o.Retention - c.span)
	imports, deletes := 0, 0
	var targets []string
	if c.o.Targets != nil {
		targets = c.o.Targets()
	}
	for _, obj := range objs {
		if ctx.Err() != nil {
			return
		}
		start, ok := segmentStart(obj.Key)
		switch {
		case !ok:
			c.skip(obj.Key, errors.New("not a history segment's name"))
			continue
		case c.o.Retention > 0 && start.Before(oldest):
			if leading && deletes < maxDeletes {
				deletes++
				if err := c.o.Bucket.Delete(ctx, obj.Key); err != nil {
					c.fail("deleting an expired history segment", err)
				}
			}
			continue
		case strings.Contains(path.Base(obj.Key), "_"+c.id+"_"), c.o.Store == nil, imports >= maxImports:
			continue
		}
		c.mu.Lock()
		bad := c.bad[obj.Key]
		c.mu.Unlock()
		if bad {
			continue
		}
		if done, err := c.o.Store.Imported(obj.Key); err != nil || done {
			if err != nil {
				c.fail("importing history", err)
			}
			continue
		}
		imports++
		records, err := c.readSegment(ctx, obj, targets)
		if err != nil {
			c.skip(obj.Key, err)
			continue
		}
		if err := c.o.Store.Import(obj.Key, records); err != nil {
			c.fail("importing history segment "+obj.Key, err)
			continue
		}
		c.mu.Lock()
		c.imported++
		c.mu.Unlock()
	}
}

// skip logs a segment that cannot be imported, once.
func (c *Coordinator) skip(key string, err error) {
	c.mu.Lock()
	seen := c.bad[key]
	c.bad[key] = true
	c.mu.Unlock()
	if !seen {
		c.fail("skipping history segment "+key, err)
	}
}

// readSegment reads and checks a segment, keeping the samples of the
// targets recorded now.
func (c *Coordinator) readSegment(ctx context.Context, obj objstore.Object, targets []string) ([]history.Record, error) {
	if obj.Size > MaxSegmentBytes {
		return nil, fmt.Errorf("%d bytes; at most %d are read", obj.Size, MaxSegmentBytes)
	}
	data, err := objstore.ReadAll(ctx, c.o.Bucket, obj.Key, MaxSegmentBytes)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("not gzip: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, MaxSegmentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("corrupt gzip: %w", err)
	}
	if len(raw) > MaxSegmentBytes {
		return nil, fmt.Errorf("decompresses to more than %d bytes", MaxSegmentBytes)
	}
	var seg segment
	if err := json.Unmarshal(raw, &seg); err != nil {
		return nil, fmt.Errorf("not a history segment: %w", err)
	}
	records := make([]history.Record, 0, len(seg.Records))
	for _, r := range seg.Records {
		if r.At <= 0 || !slices.Contains(targets, r.Target) || len(r.Values) == 0 {
			continue
		}
		records = append(records, history.Record{Target: r.Target, Sample: history.Sample{At: time.Unix(0, r.At).UTC(), Values: r.Values}})
	}
	return records, nil
}

// cleanUp deletes the slot keys before the previous slot and the capture
// claims older than captureClaimKeep.
func (c *Coordinator) cleanUp(ctx context.Context, now time.Time) {
	keep := c.slotOf(now) - c.o.Lease.Milliseconds()
	c.deleteOlder(ctx, c.o.Root+"/leader/", keep)
	c.deleteOlder(ctx, c.o.Root+"/captures/", now.Add(-captureClaimKeep).UnixMilli())
}

// deleteOlder deletes the keys under prefix whose last part, a time in
// Unix milliseconds, is before ms.
func (c *Coordinator) deleteOlder(ctx context.Context, prefix string, ms int64) {
	objs, err := c.o.Bucket.List(ctx, prefix)
	if err != nil {
		if ctx.Err() == nil {
			c.fail("listing "+prefix, err)
		}
		return
	}
	deletes := 0
	for _, obj := range objs {
		at, err := strconv.ParseInt(path.Base(obj.Key), 10, 64)
		if err != nil || at >= ms {
			continue
		}
		if deletes++; deletes > maxDeletes {
			return
		}
		if err := c.o.Bucket.Delete(ctx, obj.Key); err != nil {
			c.fail("deleting "+obj.Key, err)
			return
		}
	}
}
