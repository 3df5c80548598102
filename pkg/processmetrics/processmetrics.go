// Package processmetrics reads the vital signs of a Go process (resident
// memory, heap in use and idle, goroutine stacks, live OS threads) from its Prometheus
// /metrics page, as the Prometheus Go client's default collectors export
// them, and what of them a process without one still tells: heap in use
// from the runtime.MemStats block of its heap profile in debug=1 text.
// The pprof index page has goroutine and thread counts but no memory
// figures; this is where RSS spikes become visible.
package processmetrics

import (
	"bytes"
	"fmt"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Vital is one process figure, named as the metrics query reports it.
type Vital struct {
	Name string
	// Metric is the exposition name it is read from.
	Metric string
	// MemStats is the runtime.MemStats field holding the same figure in
	// heap?debug=1 text, when there is one.
	MemStats string
}

// Vitals lists what is read, in report order.
var Vitals = []Vital{
	{Name: "rss_bytes", Metric: "process_resident_memory_bytes"},
	{Name: "heap_inuse_bytes", Metric: "go_memstats_heap_inuse_bytes", MemStats: "HeapInuse"},
	// Memory the runtime holds beside the heap in use: idle heap spans
	// (free, or returned to the OS and still counted until then) and
	// goroutine stacks, which grow with the goroutine count. Together they
	// tell an RSS spike of a heap that grew from one of goroutines.
	{Name: "heap_idle_bytes", Metric: "go_memstats_heap_idle_bytes"},
	{Name: "stack_inuse_bytes", Metric: "go_memstats_stack_inuse_bytes"},
	{Name: "os_threads", Metric: "go_threads"},
}

// maxPageBytes bounds parsing; a Go client's page is tens of KiB, but a
// service may export many series of its own.
const maxPageBytes = 32 << 20

// Parse returns the vitals found on an exposition page, by Vital.Name.
// Vitals the page does not export are absent.
func Parse(page []byte) (map[string]float64, error) {
	if len(page) > maxPageBytes {
		return nil, fmt.Errorf("metrics page of %d MiB is too large to read", len(page)>>20)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil && len(families) == 0 {
		return nil, fmt.Errorf("not a Prometheus metrics page: %w", err)
	}
	out := map[string]float64{}
	for _, v := range Vitals {
		if f, ok := families[v.Metric]; ok {
			if val, ok := firstValue(f); ok {
				out[v.Name] = val
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the metrics page exports none of the Go process metrics (%s)", metricNames())
	}
	return out, nil
}

func firstValue(f *dto.MetricFamily) (float64, bool) {
	for _, m := range f.GetMetric() {
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}

func metricNames() string {
	names := make([]string, len(Vitals))
	for i, v := range Vitals {
		names[i] = v.Metric
	}
	return strings.Join(names, ", ")
}
