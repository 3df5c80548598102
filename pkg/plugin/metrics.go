package plugin

import (
	"context"
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
func (d *Datasource) queryMetrics(ctx context.Context, q *query.Query, dq backend.DataQuery) backend.DataResponse {
	ts, err := targets.Select(d.settings.Targets, q.Target)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	if q.Metric != "" && units[q.Metric] == "" && !isStateFigure(q.Metric) {
		return backend.ErrDataResponse(backend.StatusBadRequest, "unknown metric "+q.Metric+"; use one of "+strings.Join(metricNames(), ", "))
	}
	if q.View == "series" {
		return d.metricSeries(ts, q.Metric, dq)
	}
	if isStateFigure(q.Metric) {
		return backend.ErrDataResponse(backend.StatusBadRequest, q.Metric+" is recorded from the recorder's periodic full dumps: use the series view (or the goroutines count view with perCategory for a count now)")
	}
	return d.currentMetrics(ctx, ts, q.Metric)
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
				numbers = append(numbers, frames.Number{Name: name, Labels: targetLabels(t), Value: r.values[name], Unit: units[name]})
			}
		}
	}
	if down == len(ts) && metric != "up" {
		return backend.ErrDataResponse(backend.StatusBadGateway, strings.Join(problems, "; "))
	}
	return backend.DataResponse{Frames: withNotices(frames.NumericMulti(numbers), problems)}
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

func metricNames() []string { return sortedKeys(units) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
