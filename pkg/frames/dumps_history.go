package frames

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// HistoryPoint holds the numbers read from one snapshot.
type HistoryPoint struct {
	// At is the snapshot's capture time.
	At     time.Time
	Values []HistoryValue
	// Unknown lists metrics the snapshot reports only in part: their series
	// it lacks are unknown at its time rather than zero, as a goroutine
	// profile without states gives the total but no count per state.
	Unknown []string
}

// HistoryValue is one number of a snapshot, such as the goroutines in one
// state or the heap in use.
type HistoryValue struct {
	// Metric names the series' value field, e.g. "goroutines".
	Metric string
	// Labels tell the series of one metric apart, e.g. {"state": "chan receive"}.
	Labels map[string]string
	Value  float64
	// Unit is a Grafana unit id such as "short" or "bytes".
	Unit string
}

// SnapshotHistory turns numbers read from snapshots into time series frames,
// one per metric and label set, with the origin's labels on every value
// field. A snapshot is complete for each metric it reports: a series it lacks
// is zero at its time (no goroutine was in that state), unless the snapshot
// marks the metric Unknown, when the series is null there (a profile
// without states has no count per state); a metric it does not report at
// all leaves a gap (a heap profile says nothing about goroutines).
// Snapshots captured at the same instant are merged; for a metric both
// report, the later in the list counts.
func SnapshotHistory(o Origin, points []HistoryPoint) []*data.Frame {
	points = onePerInstant(points)
	type seriesKey struct{ metric, labels string }
	series := map[seriesKey]*Series{}
	var keys []seriesKey
	for _, p := range points {
		for _, v := range p.Values {
			k := seriesKey{v.Metric, data.Labels(v.Labels).String()}
			if _, ok := series[k]; !ok {
				labels := o.FieldLabels()
				maps.Copy(labels, v.Labels)
				series[k] = &Series{Name: v.Metric, Labels: labels, Unit: v.Unit}
				keys = append(keys, k)
			}
		}
	}
	for _, p := range points {
		reported := map[string]bool{}
		values := map[seriesKey]float64{}
		for _, v := range p.Values {
			reported[v.Metric] = true
			values[seriesKey{v.Metric, data.Labels(v.Labels).String()}] = v.Value
		}
		for _, k := range keys {
			if !reported[k.metric] {
				continue
			}
			s := series[k]
			v, known := values[k]
			null := !known && slices.Contains(p.Unknown, k.metric)
			if null && s.Null == nil {
				s.Null = make([]bool, len(s.Values), cap(s.Values)+1)
			}
			s.Times = append(s.Times, p.At)
			s.Values = append(s.Values, v)
			if s.Null != nil {
				s.Null = append(s.Null, null)
			}
		}
	}
	slices.SortFunc(keys, func(a, b seriesKey) int {
		return cmp.Or(cmp.Compare(a.metric, b.metric), cmp.Compare(a.labels, b.labels))
	})
	out := make([]Series, 0, len(keys))
	for _, k := range keys {
		out = append(out, *series[k])
	}
	if len(out) == 0 {
		empty := TimeSeriesMulti([]Series{{Name: "value", Labels: o.FieldLabels(), Times: []time.Time{}, Values: []float64{}}})
		AddNotice(empty[0], data.NoticeSeverityInfo, "No snapshots in the time range.")
		return empty
	}
	return TimeSeriesMulti(out)
}

// onePerInstant sorts points by time and merges points at the same
// instant, such as a goroutine dump and a heap profile written together:
// for each metric, the last point given that reports it counts, except
// that a partial report (Unknown) never replaces a complete one.
func onePerInstant(points []HistoryPoint) []HistoryPoint {
	sorted := slices.Clone(points)
	slices.SortStableFunc(sorted, func(a, b HistoryPoint) int { return a.At.Compare(b.At) })
	var merged []HistoryPoint
	for _, p := range sorted {
		n := len(merged)
		if n == 0 || !merged[n-1].At.Equal(p.At) {
			merged = append(merged, HistoryPoint{At: p.At, Values: slices.Clone(p.Values), Unknown: slices.Clone(p.Unknown)})
			continue
		}
		last := &merged[n-1]
		replaces := map[string]bool{}
		for _, v := range p.Values {
			complete := reports(last, v.Metric) && !slices.Contains(last.Unknown, v.Metric)
			replaces[v.Metric] = !complete || !slices.Contains(p.Unknown, v.Metric)
		}
		last.Values = slices.DeleteFunc(last.Values, func(v HistoryValue) bool { return replaces[v.Metric] })
		last.Unknown = slices.DeleteFunc(last.Unknown, func(m string) bool { return replaces[m] })
		for _, v := range p.Values {
			if replaces[v.Metric] {
				last.Values = append(last.Values, v)
			}
		}
		for _, m := range p.Unknown {
			if replaces[m] {
				last.Unknown = append(last.Unknown, m)
			}
		}
	}
	return merged
}

func reports(p *HistoryPoint, metric string) bool {
	return slices.ContainsFunc(p.Values, func(v HistoryValue) bool { return v.Metric == metric })
}
