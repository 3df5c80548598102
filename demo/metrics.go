package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// registry holds the default Go and process collectors plus gauges of what
// the demo is doing, so a dashboard can show cause next to effect. Each
// service gets its own registry, so tests can build several services.
func (s *service) registry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	held := map[string]*goroutineCounter{
		"deadlock":  &s.deadlock.held,
		"chanblock": &s.chanBlock.held,
		"leak":      &s.leak.held,
		"threads":   &s.threads.held,
		"cpu":       &s.cpu.held,
	}
	for misbehaviour, counter := range held {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "demo_misbehaviour_goroutines",
			Help:        "Goroutines a misbehaviour of the demo is holding blocked, leaked or busy.",
			ConstLabels: prometheus.Labels{"misbehaviour": misbehaviour},
		}, func() float64 { return float64(counter.count()) }))
	}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "demo_held_memory_bytes",
			Help: "Memory the demo's RSS spikes are holding.",
		}, func() float64 { return float64(s.memory.heldBytes.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "demo_leak_active",
			Help: "1 while the demo is leaking goroutines, else 0.",
		}, func() float64 {
			if s.leak.leaking.Load() {
				return 1
			}
			return 0
		}),
	)
	return reg
}
