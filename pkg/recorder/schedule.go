package recorder

import (
	"cmp"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"time"
)

// offset is where in every period of length p a target is due: a stable
// place from its name, so that hundreds of targets spread over the period
// instead of being fetched at once, and a target keeps its place when
// others come and go or the plugin restarts.
func offset(name string, p time.Duration) time.Duration {
	steps := uint64(p / time.Millisecond)
	if steps == 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64()%steps) * time.Millisecond
}

// slotAtOrAfter is the first time at or after t at which a target is due
// in periods of length p. Periods are counted from Go's zero time, so
// every recorder places a target at the same moments.
func slotAtOrAfter(name string, p time.Duration, t time.Time) time.Time {
	s := t.Truncate(p).Add(offset(name, p))
	if s.Before(t) {
		s = s.Add(p)
	}
	return s
}

type entry struct {
	offset time.Duration
	name   string
}

// schedule places every target at its offset within the interval.
type schedule struct {
	interval time.Duration
	entries  []entry // by offset, then name
}

func newSchedule(names []string, interval time.Duration) schedule {
	s := schedule{interval: interval, entries: make([]entry, 0, len(names))}
	for _, n := range names {
		s.entries = append(s.entries, entry{offset(n, interval), n})
	}
	slices.SortFunc(s.entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.offset, b.offset), strings.Compare(a.name, b.name))
	})
	return s
}

// next is the first time after t at which targets are due, and those
// targets; no targets when there are none.
func (s schedule) next(t time.Time) (time.Time, []string) {
	if len(s.entries) == 0 {
		return time.Time{}, nil
	}
	start := t.Truncate(s.interval)
	pos := t.Sub(start)
	i := sort.Search(len(s.entries), func(i int) bool { return s.entries[i].offset > pos })
	if i == len(s.entries) {
		start, i = start.Add(s.interval), 0
	}
	off := s.entries[i].offset
	var names []string
	for ; i < len(s.entries) && s.entries[i].offset == off; i++ {
		names = append(names, s.entries[i].name)
	}
	return start.Add(off), names
}
