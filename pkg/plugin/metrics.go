package plugin

import (
	"context"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/indexpage"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/targets"
)

// queryMetrics answers the current goroutine and thread counts of each
// selected target from its index page, plus "up" (1 when the target
// answered, 0 when not) so an alert rule can also fire on a lost target.
func (d *Datasource) queryMetrics(ctx context.Context, q *query.Query) backend.DataResponse {
	ts, err := targets.Select(d.settings.Targets, q.Target)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	type result struct {
		ix  *indexpage.Index
		err error
	}
	results := targets.Each(ts, func(t settings.Target) result {
		ix, _, err := d.targets.Index(ctx, t)
		return result{ix, err}
	})
	var numbers []frames.Number
	var failures []string
	for i, t := range ts {
		labels := frames.Origin{Name: t.Name, Kind: "target", Labels: t.Labels}.FieldLabels()
		r := results[i]
		if r.err != nil {
			failures = append(failures, r.err.Error())
			numbers = append(numbers, frames.Number{Name: "up", Labels: labels, Value: 0, Unit: "none"})
			continue
		}
		numbers = append(numbers, frames.Number{Name: "up", Labels: labels, Value: 1, Unit: "none"})
		if n, ok := r.ix.Goroutines(); ok {
			numbers = append(numbers, frames.Number{Name: "goroutines", Labels: labels, Value: float64(n), Unit: "short"})
		}
		if n, ok := r.ix.ThreadsCreated(); ok {
			numbers = append(numbers, frames.Number{Name: "threads", Labels: labels, Value: float64(n), Unit: "short"})
		}
	}
	if len(failures) == len(ts) {
		return backend.ErrDataResponse(backend.StatusBadGateway, strings.Join(failures, "; "))
	}
	out := frames.NumericMulti(numbers)
	for _, f := range failures {
		frames.AddNotice(out[0], data.NoticeSeverityWarning, f)
	}
	return backend.DataResponse{Frames: out}
}
