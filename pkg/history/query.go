package history

import (
	"bytes"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Aggregation says how the samples within one step become one point.
type Aggregation int

const (
	// Max suits gauges (goroutines, memory): a spike within a step stays
	// visible however long the range.
	Max Aggregation = iota
	// Min suits "up": a step with one failed reading shows it.
	Min
	// Last suits counters (CPU seconds), whose latest value includes the
	// others.
	Last
)

// Query asks for one target's figures over a time range.
type Query struct {
	Target   string
	From, To time.Time
	// Step is the spacing of the points: samples are grouped into steps
	// aligned on multiples of Step since the Unix epoch, and each step
	// gives one point at its start. Zero returns every sample as stored.
	Step time.Duration
	// Keep selects figures; nil keeps them all.
	Keep func(figure string) bool
	// Aggregate picks a figure's aggregation; nil means Max for all.
	Aggregate func(figure string) Aggregation
}

// Series is one figure over time, oldest first.
type Series struct {
	Figure string
	Times  []time.Time
	Values []float64
}

// Series answers a query with one series per figure that has samples in
// range, sorted by figure name.
func (s *Store) Series(q Query) ([]Series, error) {
	// Per figure id: whether it is kept, and its series while building.
	const unknown, skip, keep = 0, 1, 2
	var out []*seriesBuilder
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		names := s.db.namesIn(tx)
		decision := make([]byte, len(names))
		builders := make([]*seriesBuilder, len(names))
		b := tx.Bucket(bucketTargets).Bucket([]byte(q.Target))
		if b == nil {
			return nil
		}
		to := timeKey(q.To)
		c := b.Cursor()
		for k, v := c.Seek(timeKey(q.From)); k != nil && bytes.Compare(k, to) <= 0; k, v = c.Next() {
			at := keyTime(k)
			slot := at
			if q.Step > 0 {
				slot = time.Unix(0, at.UnixNano()-mod(at.UnixNano(), int64(q.Step))).UTC()
			}
			err := decodeRow(v, func(id uint64, value float64) {
				if id >= uint64(len(names)) || names[id] == "" {
					return
				}
				if decision[id] == unknown {
					decision[id] = skip
					if q.Keep == nil || q.Keep(names[id]) {
						decision[id] = keep
						sb := newSeriesBuilder(names[id], q)
						builders[id] = sb
						out = append(out, sb)
					}
				}
				if decision[id] == keep {
					builders[id].add(slot, value)
				}
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	series := make([]Series, len(out))
	for i, sb := range out {
		series[i] = sb.Series
	}
	slices.SortFunc(series, func(a, b Series) int {
		switch {
		case a.Figure < b.Figure:
			return -1
		case a.Figure > b.Figure:
			return 1
		}
		return 0
	})
	return series, nil
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

type seriesBuilder struct {
	Series
	agg Aggregation
}

// maxPreallocatedPoints bounds what a builder reserves up front, for a
// raw query over a long range.
const maxPreallocatedPoints = 4096

func newSeriesBuilder(figure string, q Query) *seriesBuilder {
	sb := &seriesBuilder{Series: Series{Figure: figure}}
	if q.Aggregate != nil {
		sb.agg = q.Aggregate(figure)
	}
	if q.Step > 0 {
		n := min(int(q.To.Sub(q.From)/q.Step)+2, maxPreallocatedPoints)
		sb.Times = make([]time.Time, 0, n)
		sb.Values = make([]float64, 0, n)
	}
	return sb
}

// add folds a value into the point of its slot; slots arrive in order.
func (sb *seriesBuilder) add(slot time.Time, v float64) {
	n := len(sb.Times)
	if n == 0 || !sb.Times[n-1].Equal(slot) {
		sb.Times = append(sb.Times, slot)
		sb.Values = append(sb.Values, v)
		return
	}
	switch sb.agg {
	case Max:
		sb.Values[n-1] = max(sb.Values[n-1], v)
	case Min:
		sb.Values[n-1] = min(sb.Values[n-1], v)
	case Last:
		sb.Values[n-1] = v
	}
}

// Range returns a target's samples with from ≤ At ≤ to, oldest first.
func (s *Store) Range(target string, from, to time.Time) ([]Sample, error) {
	var out []Sample
	err := s.scan(target, func(c *bolt.Cursor, names []string) error {
		end := timeKey(to)
		for k, v := c.Seek(timeKey(from)); k != nil && bytes.Compare(k, end) <= 0; k, v = c.Next() {
			sm, err := sampleOf(names, k, v)
			if err != nil {
				return err
			}
			out = append(out, sm)
		}
		return nil
	})
	return out, err
}

// Last returns a target's newest n samples, oldest first: what a rule
// engine needs to pick up where it was before a restart.
func (s *Store) Last(target string, n int) ([]Sample, error) {
	var out []Sample
	err := s.scan(target, func(c *bolt.Cursor, names []string) error {
		for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
			sm, err := sampleOf(names, k, v)
			if err != nil {
				return err
			}
			out = append(out, sm)
		}
		return nil
	})
	slices.Reverse(out)
	return out, err
}

// First returns the time of a target's oldest sample; false when it has
// none.
func (s *Store) First(target string) (time.Time, bool, error) {
	var at time.Time
	var found bool
	err := s.scan(target, func(c *bolt.Cursor, _ []string) error {
		if k, _ := c.First(); k != nil {
			at, found = keyTime(k), true
		}
		return nil
	})
	return at, found, err
}

// scan runs fn on a cursor over a target's samples, with the figure
// names by id.
func (s *Store) scan(target string, fn func(c *bolt.Cursor, names []string) error) error {
	return s.db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketTargets).Bucket([]byte(target))
		if b == nil {
			return nil
		}
		return fn(b.Cursor(), s.db.namesIn(tx))
	})
}

func sampleOf(names []string, k, v []byte) (Sample, error) {
	values := map[string]float64{}
	err := decodeRow(v, func(id uint64, value float64) {
		if id < uint64(len(names)) && names[id] != "" {
			values[names[id]] = value
		}
	})
	return Sample{At: keyTime(k), Values: values}, err
}

// Targets lists the targets with samples.
func (s *Store) Targets() ([]string, error) {
	var out []string
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTargets).ForEachBucket(func(k []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// Prune deletes every sample older than before, the targets left without
// samples and the imported segments whose samples are all older; it returns how many samples it deleted. The file does
// not shrink, but bbolt reuses the freed pages, so a store pruned to a
// fixed retention stays the same size.
func (s *Store) Prune(before time.Time) (int, error) {
	removed := 0
	cut := timeKey(before)
	err := s.db.bolt.Update(func(tx *bolt.Tx) error {
		targets := tx.Bucket(bucketTargets)
		var empty [][]byte
		err := targets.ForEachBucket(func(name []byte) error {
			b := targets.Bucket(name)
			var old [][]byte
			c := b.Cursor()
			for k, _ := c.First(); k != nil && bytes.Compare(k, cut) < 0; k, _ = c.Next() {
				old = append(old, bytes.Clone(k))
			}
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			removed += len(old)
			if k, _ := b.Cursor().First(); k == nil {
				empty = append(empty, name)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, name := range empty {
			if err := targets.DeleteBucket(name); err != nil {
				return err
			}
		}
		return pruneImports(tx, cut)
	})
	return removed, err
}
