package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/targets"
)

// TargetHealth is what the health check found for one target; the list is
// sent as the result's JSON details.
type TargetHealth struct {
	Name       string   `json:"name"`
	OK         bool     `json:"ok"`
	Error      string   `json:"error,omitempty"`
	Goroutines *int64   `json:"goroutines,omitempty"`
	Threads    *int64   `json:"threads,omitempty"`
	Profiles   []string `json:"profiles,omitempty"`
}

// CheckHealth is "Save & test": it reads each target's index page and
// reports, per target, whether it answered and what it offers.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	if err := d.ready(); err != nil {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: err.Error()}, nil
	}
	store := d.checkStore()
	if !d.hasTargets() {
		details, _ := json.Marshal(map[string]any{"store": store})
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, JSONDetails: details,
			Message: "No targets are configured: add the /debug/pprof URL of at least one Go process." + store.sentence()}, nil
	}
	checked, discovery := d.healthTargets(ctx)
	if len(checked) == 0 {
		return &backend.CheckHealthResult{Status: backend.HealthStatusError, Message: d.targets.Redact(discovery)}, nil
	}
	health := targets.Each(checked, func(t settings.Target) TargetHealth {
		return d.checkTarget(ctx, t)
	})
	var lines []string
	failed := 0
	for _, h := range health {
		if !h.OK {
			failed++
			lines = append(lines, h.Error)
			continue
		}
		lines = append(lines, describeHealthy(h))
	}
	replicasMessage, replicasStatus := d.replicasHealth()
	detail := map[string]any{"targets": health, "store": store}
	if replicasStatus != nil {
		detail["replicas"] = replicasStatus
	}
	if rec := d.evidence.recorder; rec != nil {
		detail["recorder"] = rec.Stats()
	}
	details, _ := json.Marshal(detail)
	res := &backend.CheckHealthResult{Status: backend.HealthStatusOk, JSONDetails: details}
	switch {
	case failed == 0:
		res.Message = fmt.Sprintf("All %d targets answered. %s", len(health), strings.Join(lines, " "))
	default:
		res.Status = backend.HealthStatusError
		res.Message = fmt.Sprintf("%d of %d targets failed. %s", failed, len(health), strings.Join(lines, " "))
	}
	if discovery != "" {
		res.Message += " " + discovery
		if d.discovered.manager.Status().Notice() != "" {
			res.Status = backend.HealthStatusError
		}
	}
	if rec := d.evidence.recorder; rec != nil && rec.Stats().Skipped > 0 {
		res.Message += fmt.Sprintf(" The recorder skipped %d samples of targets still answering the previous one (slower than the recording interval).", rec.Stats().Skipped)
	}
	if !store.OK {
		res.Status = backend.HealthStatusError
	}
	res.Message += store.sentence()
	if err := d.evidence.samplesErr; err != nil {
		res.Status = backend.HealthStatusError
		res.Message += " The recorder's history is not kept: " + err.Error() + "."
	}
	if replicasMessage != "" {
		res.Message += " " + replicasMessage
		if d.evidence.replicasErr != nil {
			res.Status = backend.HealthStatusError
		}
	}
	// Profile names come from the targets' pages.
	res.Message = d.targets.Redact(res.Message)
	return res, nil
}

// maxHealthDiscovered bounds the discovered targets "Save & test" reads,
// so that it answers in seconds with a thousand of them.
const maxHealthDiscovered = 20

// healthTargets is what the health check reads: every configured target
// and the first discovered ones; and what discovery found, in words.
func (d *Datasource) healthTargets(ctx context.Context) ([]settings.Target, string) {
	all := d.allTargets(ctx)
	if d.discovered.manager == nil {
		return all, ""
	}
	summary := d.discovered.manager.Status().Summary()
	if n := len(all) - len(d.settings.Targets); n > maxHealthDiscovered {
		all = all[:len(d.settings.Targets)+maxHealthDiscovered]
		summary += fmt.Sprintf(" The first %d of the %d discovered targets were read here.", maxHealthDiscovered, n)
	}
	return all, summary
}

func (d *Datasource) checkTarget(ctx context.Context, t settings.Target) TargetHealth {
	h := TargetHealth{Name: t.Name}
	ix, _, err := d.targets.Index(ctx, t)
	if err != nil {
		if fe, ok := err.(*targets.FetchError); ok {
			h.Error = fe.AdminError() + "."
		} else {
			h.Error = err.Error() + "."
		}
		h.Error = d.targets.Redact(h.Error)
		return h
	}
	h.OK = true
	if n, ok := ix.Goroutines(); ok {
		h.Goroutines = &n
	}
	if n, ok := ix.ThreadsCreated(); ok {
		h.Threads = &n
	}
	h.Profiles = ix.Profiles
	return h
}

func describeHealthy(h TargetHealth) string {
	var counts []string
	if h.Goroutines != nil {
		counts = append(counts, fmt.Sprintf("%d goroutines", *h.Goroutines))
	}
	if h.Threads != nil {
		counts = append(counts, fmt.Sprintf("%d threads created", *h.Threads))
	}
	return fmt.Sprintf("%q: %s; profiles: %s.", h.Name, strings.Join(counts, ", "), strings.Join(h.Profiles, ", "))
}

// StoreHealth is what the health check found of the dump store.
type StoreHealth struct {
	// Kind is "directory" or "object storage".
	Kind string `json:"kind"`
	// Location names the bucket (never its credentials); empty for the
	// local directory, whose path viewers need not see.
	Location string `json:"location,omitempty"`
	OK       bool   `json:"ok"`
	Error    string `json:"error,omitempty"`
	Dumps    int    `json:"dumps"`
}

// checkStore lists a shared bucket now, so that the check says whether it
// can be reached; a local directory was checked when it was opened.
func (d *Datasource) checkStore() StoreHealth {
	h := StoreHealth{Kind: "directory"}
	if d.settings.ObjectStorage != nil {
		h.Kind = "object storage"
	}
	if d.catalogErr != nil {
		h.Error = d.catalogErr.Error()
		return h
	}
	store := d.catalog.Store()
	if store.Shared() {
		h.Location = store.Bucket()
		if err := store.Check(); err != nil {
			h.Error = err.Error()
			return h
		}
	}
	h.OK, h.Dumps = true, store.Usage().Dumps
	return h
}

func (h StoreHealth) sentence() string {
	switch {
	case !h.OK:
		return " The dump store (" + h.Kind + ") cannot be used: " + h.Error + "."
	case h.Location != "":
		return fmt.Sprintf(" Dumps are kept in %s (%d dumps).", h.Location, h.Dumps)
	}
	return ""
}
