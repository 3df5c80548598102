package plugin

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/targets"
)

// queryMetrics answers cheap per-target figures: "current" reads them now
// (numeric frames, what alert rules evaluate), "series" returns what the
// recorder sampled over the query's time range.
func (d *Datasource) queryMetrics(ctx context.Context, q *query.Query, tr backend.TimeRange) backend.DataResponse {
	ts, err := targets.Select(d.settings.Targets, q.Target)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	switch q.View {
	case "current":
		return d.currentMetrics(ctx, ts, q.Metric)
	case "series":
		return d.metricSeries(ts, q.Metric, tr)
	}
	return unknownView(q)
}

func unknownView(q *query.Query) backend.DataResponse {
	return backend.ErrDataResponse(backend.StatusBadRequest, fmt.Sprintf("unknown view %q for a %s query", q.View, q.QueryType))
}

func (d *Datasource) currentMetrics(ctx context.Context, ts []settings.Target, metric string) backend.DataResponse {
	type reading struct {
		values map[string]float64
		errs   []error
	}
	readings := targets.Each(ts, func(t settings.Target) reading {
		v, errs := d.vitals(ctx, t)
		return reading{v, errs}
	})
	var numbers []frames.Number
	var problems []string
	down := 0
	for i, t := range ts {
		r := readings[i]
		for _, err := range r.errs {
			problems = append(problems, err.Error())
		}
		if r.values["up"] == 0 {
			down++
		}
		for _, name := range sortedKeys(r.values) {
			if metric == "" || metric == name {
				numbers = append(numbers, frames.Number{Name: name, Labels: targetLabels(t), Value: r.values[name], Unit: unit(name)})
			}
		}
	}
	if down == len(ts) && metric != "up" {
		return backend.ErrDataResponse(backend.StatusBadGateway, strings.Join(problems, "; "))
	}
	return backend.DataResponse{Frames: withNotices(frames.NumericMulti(numbers), problems)}
}

func (d *Datasource) metricSeries(ts []settings.Target, metric string, tr backend.TimeRange) backend.DataResponse {
	if d.recorder == nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, "recording is disabled in the data source settings, so there is no history; use the current view")
	}
	var series []frames.Series
	for _, t := range ts {
		byName := map[string]*frames.Series{}
		for _, s := range d.recorder.Range(t.Name, tr.From, tr.To) {
			for name, v := range s.Values {
				if metric != "" && metric != name {
					continue
				}
				sr := byName[name]
				if sr == nil {
					sr = &frames.Series{Name: name, Labels: targetLabels(t), Unit: unit(name)}
					byName[name] = sr
				}
				sr.Times = append(sr.Times, s.At)
				sr.Values = append(sr.Values, v)
			}
		}
		for _, name := range sortedKeys(byName) {
			series = append(series, *byName[name])
		}
	}
	var notices []string
	if since := d.recorder.Since(); tr.From.Before(since) {
		notices = append(notices, "history starts at "+since.UTC().Format(time.RFC3339)+", when this data source was first used after Grafana started")
	}
	if len(series) == 0 {
		return backend.DataResponse{Frames: withNotices([]*data.Frame{data.NewFrame("no samples")}, notices)}
	}
	return backend.DataResponse{Frames: withNotices(frames.TimeSeriesMulti(series), notices)}
}

func targetLabels(t settings.Target) data.Labels {
	return targetOrigin(t, time.Time{}).FieldLabels()
}

// withNotices attaches warnings to the first frame, where Grafana shows
// them, adding an empty frame to carry them when there is none.
func withNotices(fs []*data.Frame, warnings []string) []*data.Frame {
	if len(warnings) == 0 {
		return fs
	}
	if len(fs) == 0 {
		fs = []*data.Frame{data.NewFrame("empty")}
	}
	for _, w := range warnings {
		frames.AddNotice(fs[0], data.NoticeSeverityWarning, w)
	}
	return fs
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
