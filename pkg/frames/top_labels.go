package frames

import (
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/profiles"
)

// LabelSeries returns a profile's totals per label value as data plane
// timeseries-multi frames, one series per value with a single point at the
// capture time, so a time series panel or an alert rule shows, say,
// goroutines per handler. The series carry the origin's labels plus the
// grouping label (left out for samples without it); the field is named
// after the sample type.
func LabelSeries(t *profiles.LabelTotals, origin Origin) []*data.Frame {
	at := origin.CapturedAt
	if at.IsZero() {
		at = time.Now()
	}
	series := make([]Series, 0, len(t.Counts))
	for _, c := range t.Counts {
		series = append(series, Series{
			Name:   t.SampleType.Name,
			Labels: labelTotalLabels(origin, t.Key, c),
			Times:  []time.Time{at},
			Values: []float64{float64(c.Total)},
			Unit:   t.SampleType.GrafanaUnit(),
		})
	}
	return TimeSeriesMulti(series)
}

// LabelNumbers returns the same totals as data plane numeric-multi frames,
// one labelled number per label value, for alert rules and stat panels.
func LabelNumbers(t *profiles.LabelTotals, origin Origin) []*data.Frame {
	numbers := make([]Number, 0, len(t.Counts))
	for _, c := range t.Counts {
		numbers = append(numbers, Number{
			Name:   t.SampleType.Name,
			Labels: labelTotalLabels(origin, t.Key, c),
			Value:  float64(c.Total),
			Unit:   t.SampleType.GrafanaUnit(),
		})
	}
	return NumericMulti(numbers)
}

func labelTotalLabels(origin Origin, key string, c profiles.LabelCount) data.Labels {
	if !c.Present {
		return origin.FieldLabels()
	}
	return origin.FieldLabelsWith(key, c.Value)
}
