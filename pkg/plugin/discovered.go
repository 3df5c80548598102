package plugin

import (
	"context"
	"sync"

	"github.com/goscope/pprof/pkg/discovery"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
)

// discovered keeps an instance's discovery running and its targets in the
// form every query, the recorder and the health check use.
type discovered struct {
	manager *discovery.Manager
	header  settings.Header

	mu     sync.Mutex
	raw    []discovery.Target
	merged []settings.Target
}

// startDiscovery starts refreshing the discovered targets, when any
// discoverer is configured. resolver replaces the DNS resolver in tests.
func (d *Datasource) startDiscovery(resolver discovery.Resolver) {
	cfg := d.settings.Discovery
	if cfg == nil {
		return
	}
	d.discovered.manager = discovery.New(*cfg, resolver)
	d.discovered.header = d.settings.DiscoveredHeader
	d.discovered.manager.Start()
}

func (d *Datasource) stopDiscovery() {
	if d.discovered.manager != nil {
		d.discovered.manager.Stop()
	}
}

// allTargets is the configured targets followed by the discovered ones;
// before discovery's first refresh it waits for it, within ctx.
func (d *Datasource) allTargets(ctx context.Context) []settings.Target {
	dd := &d.discovered
	if dd.manager == nil {
		return d.settings.Targets
	}
	raw := dd.manager.Targets(ctx)
	dd.mu.Lock()
	defer dd.mu.Unlock()
	// Discovery hands out a new slice per refresh: convert once per refresh.
	if dd.merged != nil && len(raw) == len(dd.raw) && (len(raw) == 0 || &raw[0] == &dd.raw[0]) {
		return dd.merged
	}
	merged := make([]settings.Target, 0, len(d.settings.Targets)+len(raw))
	merged = append(merged, d.settings.Targets...)
	for _, t := range raw {
		merged = append(merged, settings.Target{Name: t.Name, URL: t.URL, MetricsURL: t.MetricsURL, Labels: t.Labels, Header: dd.header})
	}
	dd.raw, dd.merged = raw, merged
	return merged
}

// target returns the configured or discovered target of that name.
func (d *Datasource) target(ctx context.Context, name string) (settings.Target, bool) {
	if t, ok := d.settings.Target(name); ok {
		return t, true
	}
	for _, t := range d.allTargets(ctx) {
		if t.Name == name {
			return t, true
		}
	}
	return settings.Target{}, false
}

// hasTargets reports whether any target is configured or may be
// discovered.
func (d *Datasource) hasTargets() bool {
	return len(d.settings.Targets) > 0 || d.discovered.manager != nil
}

// discoveryNotice says which discovery sources failed at their last
// refresh, for the responses of queries over targets.
func (d *Datasource) discoveryNotice(q *query.Query) string {
	if d.discovered.manager == nil || q.Dump != "" || q.DumpSource != "" || q.QueryType == query.TypeDumps {
		return ""
	}
	return d.discovered.manager.Status().Notice()
}
