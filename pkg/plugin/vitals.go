package plugin

import (
	"context"
	"fmt"

	"github.com/goscope/pprof/pkg/processmetrics"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
)

// vitals reads a target's cheap figures: from the index page up,
// goroutines and threads (created), and from its /metrics page, when one is
// configured, memory and live OS threads. Errors are returned beside
// whatever was read.
func (d *Datasource) vitals(ctx context.Context, t settings.Target) (map[string]float64, []error) {
	values := map[string]float64{"up": 0}
	var errs []error
	ix, _, err := d.targets.Index(ctx, t)
	if err != nil {
		errs = append(errs, err)
	} else {
		values["up"] = 1
		if n, ok := ix.Goroutines(); ok {
			values["goroutines"] = float64(n)
		}
		if n, ok := ix.ThreadsCreated(); ok {
			values["threads"] = float64(n)
		}
	}
	if t.MetricsURL == "" {
		return values, errs
	}
	r, err := d.targets.GetMetrics(ctx, t)
	if err != nil {
		return values, append(errs, err)
	}
	vs, err := processmetrics.Parse(r.Body)
	if err != nil {
		return values, append(errs, fmt.Errorf("target %q: metrics URL: %w", t.Name, err))
	}
	for k, v := range vs {
		values[k] = v
	}
	return values, errs
}

// unit is the Grafana unit of a figure, as the vocabulary gives it.
func unit(name string) string {
	m, _ := query.Metric(name)
	return m.Unit
}
