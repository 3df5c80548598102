package stackgroups

import (
	"cmp"
	"slices"
	"strings"

	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/waitstates"
)

// StateStat summarises the goroutines in one state.
type StateStat struct {
	State    string
	Category waitstates.Category
	Count    int
	// Share is Count over the filtered total, from 0 to 1.
	Share float64
	// WaitMin, WaitMedian and WaitMax are in minutes. The runtime prints
	// whole minutes from one minute on, so 0 means under a minute.
	WaitMin    int
	WaitMedian float64
	WaitMax    int
}

// CategoryStat is the same summary per category.
type CategoryStat struct {
	Category   waitstates.Category
	Count      int
	Share      float64
	WaitMin    int
	WaitMedian float64
	WaitMax    int
}

// Counts are the numbers behind alerting: the total and the count per
// category of the goroutines a filter keeps.
type Counts struct {
	Total int
	// ByCategory has every category, zero counts included, so that series
	// do not vanish when a category empties. It is nil when the snapshot
	// carries no states.
	ByCategory  map[waitstates.Category]int
	StatesKnown bool
}

// Count counts the goroutines the filter keeps.
func Count(snap *goroutines.Snapshot, f Filter) (Counts, error) {
	c := Counts{StatesKnown: snap != nil && snap.StatesKnown}
	if c.StatesKnown {
		c.ByCategory = make(map[waitstates.Category]int, len(waitstates.Categories()))
		for _, cat := range waitstates.Categories() {
			c.ByCategory[cat] = 0
		}
	}
	err := each(snap, f, func(g *goroutines.Goroutine) {
		c.Total += g.Count
		if c.StatesKnown {
			c.ByCategory[g.Category] += g.Count
		}
	})
	return c, err
}

// waits is a histogram of wait minutes.
type waits struct {
	count  int
	byWait map[int]int
}

func (w *waits) add(minutes, n int) {
	if w.byWait == nil {
		w.byWait = make(map[int]int)
	}
	w.byWait[minutes] += n
	w.count += n
}

// stats returns the minimum, median and maximum.
func (w *waits) stats() (lo int, median float64, hi int) {
	keys := make([]int, 0, len(w.byWait))
	for k := range w.byWait {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return 0, 0, 0
	}
	nth := func(i int) int {
		for _, k := range keys {
			if i < w.byWait[k] {
				return k
			}
			i -= w.byWait[k]
		}
		return keys[len(keys)-1]
	}
	mid := w.count / 2
	if w.count%2 == 1 {
		median = float64(nth(mid))
	} else {
		median = float64(nth(mid-1)+nth(mid)) / 2
	}
	return keys[0], median, keys[len(keys)-1]
}

// States summarises the goroutines the filter keeps per raw state, largest
// first. Snapshots without states give one row with the empty state and
// the Unknown category.
func States(snap *goroutines.Snapshot, f Filter) ([]StateStat, error) {
	type key struct {
		state    string
		category waitstates.Category
	}
	hist := make(map[key]*waits)
	total := 0
	err := each(snap, f, func(g *goroutines.Goroutine) {
		k := key{g.State, g.Category}
		w := hist[k]
		if w == nil {
			w = &waits{}
			hist[k] = w
		}
		w.add(g.WaitMinutes, g.Count)
		total += g.Count
	})
	if err != nil {
		return nil, err
	}
	out := make([]StateStat, 0, len(hist))
	for k, w := range hist {
		lo, med, hi := w.stats()
		out = append(out, StateStat{State: k.state, Category: k.category, Count: w.count, Share: share(w.count, total),
			WaitMin: lo, WaitMedian: med, WaitMax: hi})
	}
	slices.SortFunc(out, func(a, b StateStat) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return strings.Compare(a.State, b.State)
	})
	return out, nil
}

// Categories summarises the goroutines the filter keeps per category, in
// the taxonomy's order, leaving out empty categories.
func Categories(snap *goroutines.Snapshot, f Filter) ([]CategoryStat, error) {
	var hist [waitstates.Other + 1]waits
	total := 0
	err := each(snap, f, func(g *goroutines.Goroutine) {
		if int(g.Category) < len(hist) {
			hist[g.Category].add(g.WaitMinutes, g.Count)
			total += g.Count
		}
	})
	if err != nil {
		return nil, err
	}
	var out []CategoryStat
	for _, c := range append([]waitstates.Category{waitstates.Unknown}, waitstates.Categories()...) {
		w := &hist[c]
		if w.count == 0 {
			continue
		}
		lo, med, hi := w.stats()
		out = append(out, CategoryStat{Category: c, Count: w.count, Share: share(w.count, total), WaitMin: lo, WaitMedian: med, WaitMax: hi})
	}
	return out, nil
}

func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}
