package plugin

import (
	"context"
	"fmt"
	"slices"
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
	wanted := wantedFigures(metric)
	withHeap := slices.Contains(wanted, "heap_inuse_bytes")
	readings := targets.Each(ts, func(t settings.Target) reading {
		return d.vitals(ctx, t, withHeap, wanted)
	})
	var numbers []frames.Number
	var problems []string
	down := 0
	for i, t := range ts {
		r := readings[i]
		for _, err := range r.errs {
			problems = append(problems, err.Error())
		}
		problems = append(problems, r.missing...)
		if r.values["up"] == 0 {
			down++
		}
		for _, name := range sortedKeys(r.values) {
			if slices.Contains(wanted, name) {
				numbers = append(numbers, frames.Number{Name: name, Labels: targetLabels(t), Value: r.values[name], Unit: unit(name), Description: figureOrigin(t, name)})
			}
		}
	}
	if down == len(ts) && metric != "up" {
		return backend.ErrDataResponse(backend.StatusBadGateway, strings.Join(problems, "; "))
	}
	return backend.DataResponse{Frames: withNotices(orNoData(frames.NumericMulti(numbers), data.FrameTypeNumericMulti), problems)}
}

func (d *Datasource) metricSeries(ts []settings.Target, metric string, tr backend.TimeRange) backend.DataResponse {
	if d.recorder == nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, "recording is disabled in the data source settings, so there is no history; use the current view")
	}
	var series []frames.Series
	var notices []string
	for _, t := range ts {
		byName := map[string]*frames.Series{}
		for _, s := range d.recorder.Range(t.Name, tr.From, tr.To) {
			for name, v := range s.Values {
				if metric != "" && metric != name {
					continue
				}
				sr := byName[name]
				if sr == nil {
					sr = &frames.Series{Name: name, Labels: targetLabels(t), Unit: unit(name), Description: figureOrigin(t, name)}
					byName[name] = sr
				}
				sr.Times = append(sr.Times, s.At)
				sr.Values = append(sr.Values, v)
			}
		}
		for _, name := range sortedKeys(byName) {
			series = append(series, *byName[name])
		}
		for _, name := range wantedFigures(metric) {
			if byName[name] == nil {
				if why := notRecorded(t, name); why != "" {
					notices = append(notices, why)
				}
			}
		}
	}
	if since := d.recorder.Since(); tr.From.Before(since) {
		notices = append(notices, "history starts at "+since.UTC().Format(time.RFC3339)+", when this data source was first used after Grafana started")
	}
	return backend.DataResponse{Frames: withNotices(orNoData(frames.TimeSeriesMulti(series), data.FrameTypeTimeSeriesMulti), notices)}
}

// notRecorded says why the recorder has no samples of a figure of a target
// without a metrics URL, or "" when it would have them.
func notRecorded(t settings.Target, name string) string {
	if t.MetricsURL != "" {
		return ""
	}
	if m, _ := query.Metric(name); m.NeedsMetricsURL {
		return noMetricsURL(t, name)
	}
	if name == "heap_inuse_bytes" {
		return fmt.Sprintf(`target %q has no metrics URL, so %s is not recorded: the current view reads it from %s, too costly to read every recording interval; set the target's "metricsUrl" ("Metrics URL" in the data source settings) to record it`, t.Name, name, heapDebug1)
	}
	return ""
}

// orNoData is the data plane's empty response when there are no frames:
// one frame of the type without fields, which alert rules read as no data.
func orNoData(fs []*data.Frame, typ data.FrameType) []*data.Frame {
	if len(fs) > 0 {
		return fs
	}
	f := data.NewFrame("")
	f.Meta = &data.FrameMeta{Type: typ, TypeVersion: data.FrameTypeVersion{0, 1}}
	return []*data.Frame{f}
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
