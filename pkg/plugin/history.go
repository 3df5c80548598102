package plugin

import (
	"fmt"
	"sync"
	"time"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/indexpage"
	"github.com/goscope/pprof/pkg/processmetrics"
	"github.com/goscope/pprof/pkg/profiles"
	"github.com/goscope/pprof/pkg/stackgroups"
)

// maxHistorySnapshots bounds the dumps one history query parses; the
// newest are kept.
const maxHistorySnapshots = 1000

// snapshotPoint is the numbers one snapshot of a file contributes to
// history, with the time its log gave (zero: the file's capture time).
type snapshotPoint struct {
	loggedAt time.Time
	values   []frames.HistoryValue
	// unknown lists metrics the snapshot reports only in part.
	unknown []string
}

// snapshotValues reads the numbers each snapshot of a dump contributes to
// history: goroutines (total and per state category) from goroutine dumps,
// one point per snapshot of a log of several, and from index pages;
// threads from threadcreate profiles and index pages; heap in use from
// heap profiles. A goroutine profile without states (debug=1, protobuf)
// gives the total, and its counts per category are unknown, not zero.
func snapshotValues(e dumps.Entry, data []byte, lim dumpformat.Limits) ([]snapshotPoint, error) {
	switch {
	case isGoroutineDump(e.Format):
		snaps, err := goroutines.ParseAll(data, lim)
		if !hasEvidence(snaps) {
			return nil, err
		}
		return goroutinePoints(snaps)
	case e.Format == dumpformat.Index:
		ix, err := indexpage.Parse(data)
		if err != nil {
			return nil, err
		}
		var values []frames.HistoryValue
		if n, ok := ix.Goroutines(); ok {
			values = append(values, goroutineValue("all", int(n)))
		}
		if n, ok := ix.ThreadsCreated(); ok {
			values = append(values, frames.HistoryValue{Metric: "threads", Value: float64(n), Unit: "short"})
		}
		return onePoint(values, []string{"goroutines"}), nil
	case e.Profile == "threadcreate":
		p, _, err := profiles.Parse(data, lim)
		if err != nil {
			return nil, err
		}
		return onePoint([]frames.HistoryValue{{Metric: "threads", Value: float64(sampleTotal(p, 0)), Unit: "short"}}, nil), nil
	case e.Profile == "heap" || e.Profile == "allocs":
		values, err := heapValues(e, data, lim)
		return onePoint(values, nil), err
	}
	return nil, nil
}

func onePoint(values []frames.HistoryValue, unknown []string) []snapshotPoint {
	if len(values) == 0 {
		return nil
	}
	return []snapshotPoint{{values: values, unknown: unknown}}
}

func goroutineValue(category string, n int) frames.HistoryValue {
	return frames.HistoryValue{Metric: "goroutines", Labels: map[string]string{"category": category}, Value: float64(n), Unit: "short"}
}

// heapValues prefers the exact figure the runtime appends to heap debug=1
// text; the profile's own inuse_space is a sampled estimate.
func heapValues(e dumps.Entry, data []byte, lim dumpformat.Limits) ([]frames.HistoryValue, error) {
	if vs, err := processmetrics.ParseMemStats(data); err == nil {
		return []frames.HistoryValue{{Metric: "heap_inuse_bytes", Value: vs["heap_inuse_bytes"], Unit: "bytes"}}, nil
	}
	p, _, err := profiles.Parse(data, lim)
	if err != nil {
		return nil, err
	}
	for i, st := range p.SampleType {
		if st.Type == "inuse_space" {
			return []frames.HistoryValue{{Metric: "heap_inuse_bytes", Value: float64(sampleTotal(p, i)), Unit: "bytes"}}, nil
		}
	}
	return nil, fmt.Errorf("the heap profile has no inuse_space")
}

func sampleTotal(p *profile.Profile, index int) int64 {
	var total int64
	for _, s := range p.Sample {
		total += s.Value[index]
	}
	return total
}

// historyCache remembers each snapshot's numbers, keyed by what identifies
// its content, so a dashboard refresh parses only new dumps.
type historyCache struct {
	mu      sync.Mutex
	entries map[string][]snapshotPoint
}

const maxHistoryCacheEntries = 20000

func (c *historyCache) values(e dumps.Entry, read func() ([]snapshotPoint, error)) ([]snapshotPoint, error) {
	key := e.ContentKey()
	c.mu.Lock()
	v, ok := c.entries[key]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := read()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= maxHistoryCacheEntries {
		c.entries = map[string][]snapshotPoint{}
	}
	c.entries[key] = v
	return v, nil
}

// goroutinePoints counts the goroutines of each snapshot, per category.
func goroutinePoints(snaps []*goroutines.Snapshot) ([]snapshotPoint, error) {
	var points []snapshotPoint
	for _, snap := range snaps {
		if len(snap.Goroutines) == 0 {
			continue // a race report: no goroutines to count
		}
		c, err := stackgroups.Count(snap, stackgroups.Filter{})
		if err != nil {
			return nil, err
		}
		p := snapshotPoint{loggedAt: snap.CapturedAt, values: []frames.HistoryValue{goroutineValue("all", c.Total)}}
		if !c.StatesKnown {
			p.unknown = []string{"goroutines"}
		}
		for cat, n := range c.ByCategory {
			p.values = append(p.values, goroutineValue(cat.String(), n))
		}
		points = append(points, p)
	}
	return points, nil
}
