package plugin

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/history"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
)

// stateFamilies are the metrics that select one state figure per
// category ("goroutines_by_category" is every goroutines_<category>), by
// the figures' prefix, from the query vocabulary.
var stateFamilies = func() map[string]string {
	families := map[string]string{}
	for _, m := range query.Vocabulary.Metrics {
		if m.CategoryPrefix != "" {
			families[m.Value] = m.CategoryPrefix
		}
	}
	return families
}()

// stateCategory splits a state figure into its prefix and category.
func stateCategory(figure string) (prefix, category string, ok bool) {
	family, category, ok := query.StateFigure(figure)
	return family.CategoryPrefix, category, ok
}

// isStateFigure reports the figures of the recorder's full dumps and
// their families.
func isStateFigure(metric string) bool {
	_, _, ok := stateCategory(metric)
	return ok || stateFamilies[metric] != ""
}

// keepFigure selects the stored figures a metric names; every figure when
// it is empty.
func keepFigure(metric string) func(string) bool {
	if metric == "" {
		return nil
	}
	if prefix := stateFamilies[metric]; prefix != "" {
		return func(f string) bool {
			p, _, ok := stateCategory(f)
			return ok && p == prefix
		}
	}
	return func(f string) bool { return f == metric }
}

func figureUnit(figure string) string {
	if family, _, ok := query.StateFigure(figure); ok {
		return family.Unit
	}
	return unit(figure)
}

// aggregation is how a figure's samples within a step become a point:
// gauges keep their maximum so a spike stays visible on a long range, up
// its minimum so a failed reading does, counters their last value.
func aggregation(figure string) history.Aggregation {
	switch {
	case figure == "up":
		return history.Min
	case strings.HasSuffix(figure, "_total"):
		return history.Last
	}
	return history.Max
}

// seriesStep is the spacing of a series' points: the panel's interval, or
// wider when the range holds more samples than the panel has points; zero
// (every sample) when that is no wider than the recording interval.
func seriesStep(dq backend.DataQuery, recordInterval time.Duration) time.Duration {
	step := dq.Interval
	if dq.MaxDataPoints > 0 {
		step = max(step, dq.TimeRange.To.Sub(dq.TimeRange.From)/time.Duration(dq.MaxDataPoints))
	}
	if step <= recordInterval {
		return 0
	}
	return step.Round(time.Second)
}

// metricSeries returns what the recorder stored over the query's range,
// one series per target and figure, downsampled to the panel's step.
func (d *Datasource) metricSeries(ts []settings.Target, metric string, dq backend.DataQuery) backend.DataResponse {
	ev := &d.evidence
	if d.settings.RecordInterval == 0 {
		return backend.ErrDataResponse(backend.StatusBadRequest, "recording is disabled in the data source settings, so there is no history; use the current view")
	}
	if ev.samples == nil {
		return backend.ErrDataResponse(backend.StatusInternal, fmt.Sprintf("the recorder's history is unavailable: %v", ev.samplesErr))
	}
	tr := dq.TimeRange
	q := history.Query{From: tr.From, To: tr.To, Step: seriesStep(dq, d.settings.RecordInterval), Keep: keepFigure(metric), Aggregate: aggregation}
	var series []frames.Series
	var first time.Time
	var notices []string
	for _, t := range ts {
		q.Target = t.Name
		got, err := ev.samples.Series(q)
		if err != nil {
			return backend.ErrDataResponse(backend.StatusInternal, err.Error())
		}
		recorded := map[string]bool{}
		for _, s := range got {
			labels := targetLabels(t)
			if _, category, ok := stateCategory(s.Figure); ok {
				labels["category"] = category
			}
			recorded[s.Figure] = true
			series = append(series, frames.Series{Name: s.Figure, Labels: labels, Times: s.Times, Values: s.Values, Unit: figureUnit(s.Figure), Description: figureOrigin(t, s.Figure)})
		}
		for _, name := range wantedFigures(metric) {
			if !recorded[name] {
				if why := notRecorded(t, name); why != "" {
					notices = append(notices, why)
				}
			}
		}
		if at, ok, _ := ev.samples.First(t.Name); ok && (first.IsZero() || at.Before(first)) {
			first = at
		}
	}
	if tr.From.Before(first) {
		notices = append(notices, "history starts at "+first.UTC().Format(time.RFC3339)+", when recording began (it is kept for "+d.settings.RecordRetention.String()+")")
	}
	if isStateFigure(metric) && d.settings.FullDumpInterval == 0 {
		notices = append(notices, "full dumps are turned off in the data source settings, so goroutine states are not recorded")
	}
	return backend.DataResponse{Frames: withNotices(orNoData(frames.TimeSeriesMulti(series), data.FrameTypeTimeSeriesMulti), notices)}
}
