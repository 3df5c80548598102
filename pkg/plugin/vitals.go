package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/goscope/pprof/pkg/processmetrics"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/targets"
)

// reading is what a target told of its figures at one moment.
type reading struct {
	values map[string]float64
	errs   []error
	// missing explains figures that were asked for and could not be read
	// although nothing failed.
	missing []string
}

// heapDebug1 is the heap profile in text, which ends with runtime.MemStats.
var heapDebug1 = targets.Profile("heap", 1)

// vitals reads a target's figures. The index page gives up, goroutines and
// threads; the metrics URL, when one is configured, resident memory, heap in
// use and OS threads. A target without one still gets os_threads, from the
// index page (the count go_threads exports, see figureOrigin), and, when
// withHeap, heap in use from heap?debug=1: that endpoint costs the target
// and Grafana as much as its heap profile is large (scripts/heapcost), so
// only queries read it, as an expensive endpoint reused for the targets
// client's minimum interval, and the recorder never does. wanted names the
// figures whose absence deserves a notice. Errors are returned beside
// whatever was read.
func (d *Datasource) vitals(ctx context.Context, t settings.Target, withHeap bool, wanted []string) reading {
	r := reading{values: map[string]float64{"up": 0}}
	ix, _, err := d.targets.Index(ctx, t)
	if err != nil {
		r.errs = append(r.errs, err)
		return r
	}
	r.values["up"] = 1
	if n, ok := ix.Goroutines(); ok {
		r.values["goroutines"] = float64(n)
	}
	if n, ok := ix.ThreadsCreated(); ok {
		r.values["threads"] = float64(n)
	}
	if t.MetricsURL != "" {
		r.readMetricsPage(ctx, d.targets, t, wanted)
		return r
	}
	if n, ok := r.values["threads"]; ok {
		r.values["os_threads"] = n
	}
	if withHeap {
		if err := r.readHeap(ctx, d.targets, t); err != nil {
			r.errs = append(r.errs, err)
		}
	}
	var absent []string
	for _, name := range wanted {
		if m, _ := query.Metric(name); m.NeedsMetricsURL {
			absent = append(absent, name)
		}
	}
	if len(absent) > 0 {
		r.missing = append(r.missing, noMetricsURL(t, absent...))
	}
	return r
}

func (r *reading) readMetricsPage(ctx context.Context, c *targets.Client, t settings.Target, wanted []string) {
	resp, err := c.GetMetrics(ctx, t)
	if err != nil {
		r.errs = append(r.errs, err)
		return
	}
	vs, err := processmetrics.Parse(resp.Body)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("target %q: metrics URL: %w", t.Name, err))
		return
	}
	for k, v := range vs {
		r.values[k] = v
	}
	for _, v := range processmetrics.Vitals {
		if _, ok := r.values[v.Name]; !ok && slices.Contains(wanted, v.Name) {
			r.missing = append(r.missing, fmt.Sprintf("the metrics URL of target %q does not export %s, so there is no %s", t.Name, v.Metric, v.Name))
		}
	}
}

func (r *reading) readHeap(ctx context.Context, c *targets.Client, t settings.Target) error {
	resp, err := c.Get(ctx, t, heapDebug1)
	if err != nil {
		return fmt.Errorf("%w (reading heap_inuse_bytes from %s, as the target has no metrics URL)", err, heapDebug1)
	}
	vs, err := processmetrics.ParseMemStats(resp.Body)
	if err != nil {
		return fmt.Errorf("target %q: %s: %w", t.Name, heapDebug1, err)
	}
	for k, v := range vs {
		r.values[k] = v
	}
	return nil
}

// noMetricsURL says why figures of a target are absent and which setting
// gives them, in one notice.
func noMetricsURL(t settings.Target, names ...string) string {
	list := strings.Join(names, ", ")
	if n := len(names); n > 1 {
		list = strings.Join(names[:n-1], ", ") + " or " + names[n-1]
	}
	return fmt.Sprintf(`target %q has no metrics URL, so there is no %s: set the target's "metricsUrl" ("Metrics URL" in the data source settings) to its Prometheus /metrics page`, t.Name, list)
}

// figureOrigin says where a figure of a target is read, for the field's
// description. The index page's threadcreate count and the Prometheus Go
// client's go_threads are one runtime count (runtime.ThreadCreateProfile:
// the threads on the runtime's list, which threads leave when they exit),
// so os_threads without a metrics URL is the same figure, not an estimate.
func figureOrigin(t settings.Target, name string) string {
	switch name {
	case "up":
		return "1 when the pprof index page answered"
	case "goroutines":
		return "the goroutine count of the pprof index page"
	case "threads":
		return "the threadcreate count of the pprof index page: OS threads the Go runtime holds"
	}
	if t.MetricsURL != "" {
		for _, v := range processmetrics.Vitals {
			if v.Name == name {
				return v.Metric + " from the metrics URL"
			}
		}
	}
	switch name {
	case "os_threads":
		return "the threadcreate count of the pprof index page, the runtime count go_threads exports (the target has no metrics URL)"
	case "heap_inuse_bytes":
		return "HeapInuse of runtime.MemStats in " + heapDebug1.String() + " (the target has no metrics URL)"
	}
	return ""
}

// wantedFigures are the figures a metrics query asks for: one, or all.
func wantedFigures(metric string) []string {
	if metric != "" {
		return []string{metric}
	}
	return query.MetricNames()
}

// unit is the Grafana unit of a figure, as the vocabulary gives it.
func unit(name string) string {
	m, _ := query.Metric(name)
	return m.Unit
}
