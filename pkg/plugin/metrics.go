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
func (d *Datasource) queryMetrics(ctx context.Context, q *query.Query, dq backend.DataQuery) backend.DataResponse {
	ts, err := targets.Select(d.allTargets(ctx), q.Target)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	switch q.View {
	case "current":
		if isStateFigure(q.Metric) {
			return backend.ErrDataResponse(backend.StatusBadRequest, q.Metric+" is recorded from the recorder's periodic full dumps: use the series view (or the goroutines count view with perCategory for a count now)")
		}
		return d.currentMetrics(ctx, ts, q.Metric)
	case "series":
		return d.metricSeries(ts, q.Metric, dq)
	}
	return unknownView(q)
}

// fanOutGrace is what a query over many targets adds to the timeout for
// the targets that waited for their turn.
const fanOutGrace = 2 * time.Second

func unknownView(q *query.Query) backend.DataResponse {
	return backend.ErrDataResponse(backend.StatusBadRequest, fmt.Sprintf("unknown view %q for a %s query", q.View, q.QueryType))
}

func (d *Datasource) currentMetrics(ctx context.Context, ts []settings.Target, metric string) backend.DataResponse {
	wanted := wantedFigures(metric)
	withHeap := slices.Contains(wanted, "heap_inuse_bytes")
	// A target reads two pages one after the other; the query over all of
	// them answers within one timeout (and a little), a target that hangs
	// past it counted as down.
	ctx, cancel := context.WithTimeout(ctx, d.settings.Timeout+fanOutGrace)
	defer cancel()
	readings := targets.Each(ts, func(t settings.Target) reading {
		ctx, cancel, explain := d.targetWait(ctx, t, len(ts) > 1)
		defer cancel()
		r := d.vitals(ctx, t, withHeap, wanted)
		for i, err := range r.errs {
			r.errs[i] = explain(err)
		}
		return r
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
				desc := figureOrigin(t, name)
				if name == "up" && r.values[name] == 0 && len(r.errs) > 0 {
					desc = "0: " + r.errs[0].Error()
				}
				numbers = append(numbers, frames.Number{Name: name, Labels: targetLabels(t), Value: r.values[name], Unit: unit(name), Description: desc})
			}
		}
	}
	if down == len(ts) && metric != "up" {
		return backend.ErrDataResponse(backend.StatusBadGateway, strings.Join(problems, "; "))
	}
	return backend.DataResponse{Frames: withNotices(orNoData(frames.NumericMulti(numbers), data.FrameTypeNumericMulti), problems)}
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
