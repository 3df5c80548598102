package plugin

import (
	"context"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/objstore"
	"github.com/goscope/pprof/pkg/replicas"
)

// newReplicas returns the coordinator of this instance's recorder with
// the other Grafana replicas configured with the same bucket, or nil when
// no bucket is configured and the instance records on its own. It is
// started with the recorder. ok is false when a bucket is configured but
// cannot be used: then nothing is recorded rather than every replica
// polling the targets.
func (d *Datasource) newReplicas(uid string, targets func() []string) (c *replicas.Coordinator, ok bool) {
	cfg := d.settings
	ev := &d.evidence
	if cfg.ObjectStorage == nil {
		return nil, true
	}
	bucket, err := objstore.OpenS3(*cfg.ObjectStorage)
	if err != nil {
		ev.replicasErr = err
		return nil, false
	}
	c = replicas.New(replicas.Options{
		Bucket:    bucket,
		Root:      replicas.Root(uid),
		Lease:     replicas.LeaseFor(cfg.RecordInterval),
		Store:     ev.samples,
		Targets:   targets,
		Retention: cfg.RecordRetention,
		OnLead: func() {
			// The means of diff rules start from the history imported
			// while another replica recorded.
			if ev.capturer != nil {
				d.seedRules()
			}
		},
		Log: func(msg string, err error) {
			backend.Logger.Warn("replicas: "+msg, "error", err.Error())
		},
	})
	return c, true
}

// claimCapture is the capture's claim among replicas: one capture per
// target and record interval.
func (d *Datasource) claimCapture(ctx context.Context, target string, at time.Time) error {
	return d.evidence.replicas.ClaimCapture(ctx, target, at, d.settings.RecordInterval)
}

// replicasHealth says which replica records, for the health check; empty
// without a shared bucket.
func (d *Datasource) replicasHealth() (string, *replicas.Status) {
	ev := &d.evidence
	switch {
	case ev.replicasErr != nil:
		return fmt.Sprintf("Nothing is recorded: the object storage shared by the replicas cannot be used: %v.", ev.replicasErr), nil
	case ev.replicas == nil:
		return "", nil
	}
	s := ev.replicas.Status()
	return s.String(), &s
}
