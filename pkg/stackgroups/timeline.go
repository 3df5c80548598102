package stackgroups

import (
	"time"

	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/waitstates"
)

// Timeline is the "elastistack" view of one snapshot: for each category of
// waiting goroutines, how many started waiting in each minute before the
// capture (capture time minus the printed wait minutes) and how many were
// already waiting by then — how the pile of stuck goroutines built up.
//
// The runtime prints whole minutes, rounded down, so a goroutine that
// waited 5 minutes 40 seconds is placed 5 minutes before the capture; waits
// under a minute (or not yet stamped by a GC) land on the capture minute.
type Timeline struct {
	// Times are the bucket times, oldest first, Step apart; the last is the
	// capture time.
	Times []time.Time
	// Step is a minute, or a whole number of minutes when the longest wait
	// is longer than MaxTimelineBuckets minutes (a wait of weeks, or a
	// crafted dump claiming millions of minutes), so a timeline never holds
	// more than MaxTimelineBuckets buckets.
	Step   time.Duration
	Series []TimelineSeries
}

// MaxTimelineBuckets bounds a timeline: a week of one-minute buckets.
const MaxTimelineBuckets = 7 * 24 * 60

// maxWaitMinutes is a century: a longer wait is a corrupt or crafted
// header, and is placed in the oldest bucket, a century before capture.
const maxWaitMinutes = 100 * 365 * 24 * 60

// TimelineSeries is one category's counts at each of Timeline.Times.
type TimelineSeries struct {
	Category waitstates.Category
	// Started counts the goroutines that started waiting in the minute.
	Started []int64
	// Cumulative counts the goroutines (still waiting at capture) that
	// had started waiting by that minute.
	Cumulative []int64
}

// BuildTimeline computes the timeline of the goroutines the filter keeps.
// Running and runnable goroutines are not waiting and are left out, as are
// snapshots without states (the result is then empty).
func BuildTimeline(snap *goroutines.Snapshot, f Filter, capturedAt time.Time) (Timeline, error) {
	var tl Timeline
	if snap == nil || !snap.StatesKnown {
		return tl, each(snap, f, func(*goroutines.Goroutine) {})
	}
	type entry struct {
		category waitstates.Category
		wait     int
		n        int
	}
	var entries []entry
	index := make(map[[2]int]int)
	maxWait := 0
	err := each(snap, f, func(g *goroutines.Goroutine) {
		if !waiting(g.Category) {
			return
		}
		wait := min(g.WaitMinutes, maxWaitMinutes)
		k := [2]int{int(g.Category), wait}
		i, ok := index[k]
		if !ok {
			i = len(entries)
			index[k] = i
			entries = append(entries, entry{category: g.Category, wait: wait})
		}
		entries[i].n += g.Count
		maxWait = max(maxWait, wait)
	})
	if err != nil || len(entries) == 0 {
		return tl, err
	}
	step := maxWait/MaxTimelineBuckets + 1 // minutes
	last := maxWait / step
	n := last + 1
	tl.Step = time.Duration(step) * time.Minute
	tl.Times = make([]time.Time, n)
	for i := range tl.Times {
		tl.Times[i] = capturedAt.Add(-time.Duration(last-i) * tl.Step)
	}
	series := make(map[waitstates.Category]*TimelineSeries)
	for _, e := range entries {
		s := series[e.category]
		if s == nil {
			s = &TimelineSeries{Category: e.category, Started: make([]int64, n), Cumulative: make([]int64, n)}
			series[e.category] = s
		}
		s.Started[last-e.wait/step] += int64(e.n)
	}
	for _, c := range waitstates.Categories() {
		s := series[c]
		if s == nil {
			continue
		}
		var sum int64
		for i, v := range s.Started {
			sum += v
			s.Cumulative[i] = sum
		}
		tl.Series = append(tl.Series, *s)
	}
	return tl, nil
}

func waiting(c waitstates.Category) bool {
	return c != waitstates.Running && c != waitstates.Runnable && c != waitstates.Unknown
}
