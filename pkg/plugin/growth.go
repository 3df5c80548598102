package plugin

import (
	"context"
	"errors"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/targets"
)

// queryGrowth answers "what grew": one source's snapshot (a stored dump,
// the newest of a dump source, or a target now) against a baseline (a
// chosen dump, or by default the snapshot of the same source before it).
func (d *Datasource) queryGrowth(ctx context.Context, q *query.Query, tr backend.TimeRange, filter stackgroups.Filter) backend.DataResponse {
	after, source, err := d.growthSubject(ctx, q, tr)
	defer after.close()
	if err == nil && after.err != nil {
		err = after.err
	}
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	before, err := d.growthBaseline(q.Baseline, after, source)
	defer before.close()
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, "baseline: "+err.Error())
	}
	snaps := make([]*goroutines.Snapshot, 2)
	for i, b := range []blob{before, after} {
		snap, err := d.newestGoroutines(b)
		if err != nil {
			return backend.ErrDataResponse(backend.StatusBadRequest, fmt.Sprintf("%s: %v", b.origin.Name, err))
		}
		snaps[i] = snap
	}
	g, err := stackgroups.Compare(snaps[0], snaps[1], filter)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	return backend.DataResponse{Frames: withNotices(frames.GoroutineGrowth(before.origin, after.origin, g), after.notices)}
}

// growthSubject reads the snapshot to compare and names the source its
// previous snapshot comes from: a stored dump's own source, or a target's
// captures.
func (d *Datasource) growthSubject(ctx context.Context, q *query.Query, tr backend.TimeRange) (blob, string, error) {
	switch {
	case q.Dump != "":
		b, err := d.openStored(q.Dump, isGoroutineDump)
		return b, b.entry.Source, err
	case q.DumpSource != "":
		// The dump's own source: "capture" picks the newest capture of
		// any target, compared with that target's previous snapshot.
		open, err := d.latestDumpSource(q.DumpSource, isGoroutineDump, tr)
		if err != nil {
			return blob{}, "", err
		}
		b := open()
		return b, b.entry.Source, b.err
	}
	ts, err := targets.Select(d.allTargets(ctx), q.Target)
	if err != nil {
		return blob{}, "", err
	}
	if len(ts) != 1 {
		return blob{}, "", fmt.Errorf("the growth view compares one source; %q names %d targets", q.Target, len(ts))
	}
	return d.fetchGoroutines(ctx, ts[0]), dumps.CaptureSource(ts[0].Name), nil
}

// growthBaseline reads the snapshot the subject is compared with.
func (d *Datasource) growthBaseline(src *query.Source, after blob, source string) (blob, error) {
	switch {
	case src != nil && src.Dump != "":
		return d.openStored(src.Dump, isGoroutineDump)
	case src != nil && src.Target != "":
		return blob{}, errors.New("a growth baseline is a stored dump or the previous snapshot, not a target")
	}
	e, ok := d.previousSnapshot(source, after, isGoroutineDump)
	if !ok {
		return blob{}, fmt.Errorf("%s has no goroutine dump before %s; choose a baseline dump", sourceName(source), snapshotTime(after))
	}
	return d.openStored(e.ID, isGoroutineDump)
}

// newestGoroutines parses a blob (or takes its parse from the cache) and
// returns the snapshot a view reads by default: the newest, by the end of
// the time range for a dump chosen from a dump source.
func (d *Datasource) newestGoroutines(b blob) (*goroutines.Snapshot, error) {
	p, _, err := d.parse(goroutineParser, b)
	if err != nil {
		return nil, err
	}
	if len(p.snapshots) == 0 {
		if p.err == nil {
			return nil, errors.New("the dump holds no goroutines")
		}
		return nil, p.err
	}
	i, err := pickSnapshot(p.snapshots, query.SnapshotChoice{}, b)
	if err != nil {
		return nil, err
	}
	if snap := p.snapshots[i]; len(snap.Goroutines) > 0 {
		return snap, nil
	}
	return nil, errors.New("the dump holds no goroutines")
}

// previousSnapshot is the newest snapshot of a source that accepts,
// captured before the subject. The other parts of the subject's capture
// bundle are the same moment, so they are passed over, but not the
// bundle's baseline, the periodic full dump taken before the spike.
func (d *Datasource) previousSnapshot(source string, subject blob, accepts func(dumpformat.Format) bool) (dumps.Entry, bool) {
	if d.catalog == nil {
		return dumps.Entry{}, false
	}
	bundle := ""
	if c := subject.entry.Capture; c != nil {
		bundle = c.Bundle
	}
	var earlier []dumps.Entry
	for _, e := range d.catalog.Snapshots(dumps.Filter{Source: source}) {
		if !e.CapturedAt.Before(subject.origin.CapturedAt) || e.ID == subject.entry.ID {
			continue
		}
		if bundle != "" && e.Capture != nil && e.Capture.Bundle == bundle && !e.Capture.Baseline {
			continue
		}
		earlier = append(earlier, e)
	}
	return newestSnapshot(earlier, accepts)
}

// newestSnapshot picks, from snapshots oldest first, the newest that
// accepts. A capture bundle is one moment: within it, the full dump, which
// carries goroutine states, stands for the bundle rather than the
// goroutine profile fetched beside it.
func newestSnapshot(snaps []dumps.Entry, accepts func(dumpformat.Format) bool) (dumps.Entry, bool) {
	for i := len(snaps) - 1; i >= 0; i-- {
		e := snaps[i]
		if !accepts(e.Format) {
			continue
		}
		if e.Capture != nil && !e.Format.CarriesStates() {
			for j := i - 1; j >= 0; j-- {
				o := snaps[j]
				if o.Capture != nil && o.Capture.Bundle == e.Capture.Bundle && !o.Capture.Baseline && o.Format.CarriesStates() && accepts(o.Format) {
					return o, true
				}
			}
		}
		return e, true
	}
	return dumps.Entry{}, false
}

func sourceName(source string) string {
	if source == "" {
		return "the dump's source"
	}
	return "source " + source
}

func snapshotTime(b blob) string {
	return b.origin.CapturedAt.UTC().Format("2006-01-02 15:04:05Z")
}
