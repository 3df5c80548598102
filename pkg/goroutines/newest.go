package goroutines

import "time"

// TimeOr returns when the snapshot was captured: the time its log gave, else
// fallback (the capture time of the file that holds it).
func (s *Snapshot) TimeOr(fallback time.Time) time.Time {
	if s.CapturedAt.IsZero() {
		return fallback
	}
	return s.CapturedAt
}

// Newest returns the index of the newest of several snapshots of one input
// captured at or before at (of all of them when at is zero), or -1 when
// none was. Snapshots without a time of their own take fallback; among
// equal times the later in the input is the newer, as a log is written in
// order.
func Newest(snaps []*Snapshot, fallback, at time.Time) int {
	best := -1
	var bestTime time.Time
	for i, s := range snaps {
		t := s.TimeOr(fallback)
		if !at.IsZero() && t.After(at) {
			continue
		}
		if best < 0 || !t.Before(bestTime) {
			best, bestTime = i, t
		}
	}
	return best
}
