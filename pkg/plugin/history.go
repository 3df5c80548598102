package plugin

import (
	"fmt"
	"regexp"
	"strconv"
	"sync"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/indexpage"
	"github.com/goscope/pprof/pkg/profiles"
	"github.com/goscope/pprof/pkg/stackgroups"
)

// maxHistorySnapshots bounds the dumps one history query parses; the
// newest are kept.
const maxHistorySnapshots = 1000

// snapshotValues reads the numbers a snapshot contributes to history:
// goroutines (total and per state category) from goroutine dumps and
// index pages, threads from threadcreate profiles and index pages, heap
// in use from heap profiles.
func snapshotValues(e dumps.Entry, data []byte) ([]frames.HistoryValue, error) {
	switch {
	case isGoroutineDump(e.Format):
		snap, err := goroutines.Parse(data)
		if snap == nil || len(snap.Goroutines) == 0 {
			return nil, err
		}
		c, err := stackgroups.Count(snap, stackgroups.Filter{})
		if err != nil {
			return nil, err
		}
		values := []frames.HistoryValue{goroutineValue("all", c.Total)}
		for cat, n := range c.ByCategory {
			values = append(values, goroutineValue(cat.String(), n))
		}
		return values, nil
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
		return values, nil
	case e.Profile == "threadcreate":
		p, err := profiles.Parse(data)
		if err != nil {
			return nil, err
		}
		return []frames.HistoryValue{{Metric: "threads", Value: float64(sampleTotal(p, 0)), Unit: "short"}}, nil
	case e.Profile == "heap" || e.Profile == "allocs":
		return heapValues(e, data)
	}
	return nil, nil
}

func goroutineValue(category string, n int) frames.HistoryValue {
	return frames.HistoryValue{Metric: "goroutines", Labels: map[string]string{"category": category}, Value: float64(n), Unit: "short"}
}

// memStatsHeapInuse is the exact figure the runtime appends to heap
// debug=1 text; the profile's own inuse_space is a sampled estimate.
var memStatsHeapInuse = regexp.MustCompile(`(?m)^# HeapInuse = (\d+)`)

func heapValues(e dumps.Entry, data []byte) ([]frames.HistoryValue, error) {
	if m := memStatsHeapInuse.FindSubmatch(data); m != nil {
		n, err := strconv.ParseFloat(string(m[1]), 64)
		if err == nil {
			return []frames.HistoryValue{{Metric: "heap_inuse_bytes", Value: n, Unit: "bytes"}}, nil
		}
	}
	p, err := profiles.Parse(data)
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
	entries map[string][]frames.HistoryValue
}

const maxHistoryCacheEntries = 20000

func (c *historyCache) values(e dumps.Entry, read func() ([]frames.HistoryValue, error)) ([]frames.HistoryValue, error) {
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
		c.entries = map[string][]frames.HistoryValue{}
	}
	c.entries[key] = v
	return v, nil
}
