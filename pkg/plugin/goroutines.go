package plugin

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/targets"
)

// queryGoroutines answers the goroutine views of each source's snapshot.
func (d *Datasource) queryGoroutines(ctx context.Context, q *query.Query, tr backend.TimeRange) backend.DataResponse {
	filter := stackgroups.Filter{
		States:           q.Filter.States,
		Include:          q.Filter.Include,
		Exclude:          q.Filter.Exclude,
		ExcludeCreatedBy: q.Filter.ExcludeCreatedBy,
		MinWaitMinutes:   q.Filter.MinWaitMinutes,
		HideSystem:       q.Filter.HideRuntime,
		LockedToThread:   q.Filter.LockedToThread,
	}
	if q.View == "growth" {
		return d.queryGrowth(ctx, q, tr, filter)
	}
	accepts := isGoroutineDump
	if q.View != "races" && q.Dump == "" {
		// A race log has nothing for these views; a dump source's newest
		// dump with goroutines is what is wanted.
		accepts = func(f dumpformat.Format) bool { return isGoroutineDump(f) && f != dumpformat.RaceText }
	}
	sources, err := d.sources(ctx, q, tr, accepts, d.fetchGoroutines)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	return answerEach(sources, func(b blob) ([]*data.Frame, error) { return d.goroutineView(q, filter, b) })
}

// goroutineView answers the requested view of a blob's snapshot, from the
// cache when it can.
func (d *Datasource) goroutineView(q *query.Query, filter stackgroups.Filter, b blob) ([]*data.Frame, error) {
	return d.cachedView(b, q, func() ([]*data.Frame, parseUse, error) { return d.buildGoroutineView(q, filter, b) })
}

// buildGoroutineView parses a source's dump (or takes its parse from the
// cache) and builds the requested view of one of its snapshots: the newest
// (within the time range, for a dump source), or the one the query picks.
// A partly readable dump still answers, with the parse error as a notice.
func (d *Datasource) buildGoroutineView(q *query.Query, filter stackgroups.Filter, b blob) ([]*data.Frame, parseUse, error) {
	p, use, err := d.parse(goroutineParser, b)
	if err != nil {
		return nil, use, err
	}
	snaps, parseErr := p.snapshots, p.err
	if len(snaps) == 0 {
		if parseErr == nil {
			parseErr = fmt.Errorf("the dump holds no goroutines")
		}
		return nil, use, parseErr
	}
	i, err := pickSnapshot(snaps, q.SnapshotChoice(), b)
	if err != nil {
		return nil, use, err
	}
	snap := snaps[i]
	if err := viewable(snap, q.View); err != nil {
		return nil, use, err
	}
	o := b.origin
	o.CapturedAt = snap.TimeOr(o.CapturedAt)
	var notices []string
	if parseErr != nil {
		notices = append(notices, "only part of the dump could be read: "+parseErr.Error())
	}
	if cut := snap.CutStacks.Notice(); cut != "" {
		notices = append(notices, cut)
	}
	for _, ignored := range filter.Ignored(snap) {
		notices = append(notices, "filter not applied: "+ignored)
	}
	fs, err := buildGoroutineFrames(q, filter, o, snap)
	if err != nil {
		return nil, use, err
	}
	if len(snaps) > 1 {
		frames.MarkSnapshot(fs, i+1, len(snaps), o.CapturedAt)
	}
	return withNotices(fs, notices), use, nil
}

// pickSnapshot chooses the snapshot a view reads: by position or capture
// time when the query says, else the newest, at or before the end of the
// time range when the dump was chosen from a dump source for that range.
func pickSnapshot(snaps []*goroutines.Snapshot, choice query.SnapshotChoice, b blob) (int, error) {
	if choice.Index > 0 {
		if choice.Index > len(snaps) {
			return 0, fmt.Errorf("snapshot %d was asked for, but %s holds %d", choice.Index, b.origin.Name, len(snaps))
		}
		return choice.Index - 1, nil
	}
	at := choice.At
	if at.IsZero() {
		at = b.until
	}
	i := goroutines.Newest(snaps, b.origin.CapturedAt, at)
	if i >= 0 {
		return i, nil
	}
	if choice.At.IsZero() {
		return goroutines.Newest(snaps, b.origin.CapturedAt, time.Time{}), nil
	}
	return 0, fmt.Errorf("no snapshot of %s was captured at or before %s; the first was captured at %s", b.origin.Name,
		choice.At.UTC().Format(time.RFC3339), snaps[0].TimeOr(b.origin.CapturedAt).UTC().Format(time.RFC3339))
}

// viewable says why a snapshot has nothing for a view: a race report
// lists no goroutines, only the stacks of racing accesses.
func viewable(snap *goroutines.Snapshot, view string) error {
	switch {
	case len(snap.Goroutines) > 0 || view == "races" && len(snap.Races) > 0:
		return nil
	case len(snap.Races) > 0:
		return fmt.Errorf("this snapshot is a data race report (%d races): a race report has no goroutine states, "+
			"wait times or goroutine list to show in the %s view; use the races view", len(snap.Races), view)
	}
	return fmt.Errorf("the dump holds no goroutines")
}

func buildGoroutineFrames(q *query.Query, filter stackgroups.Filter, o frames.Origin, snap *goroutines.Snapshot) ([]*data.Frame, error) {
	switch q.View {
	case "count":
		c, err := stackgroups.Count(snap, filter)
		if err != nil {
			return nil, err
		}
		return frames.GoroutineCount(o, snap, c, q.PerCategory, q.Total == nil || *q.Total), nil
	case "states":
		stats, err := stackgroups.States(snap, filter)
		if err != nil {
			return nil, err
		}
		return []*data.Frame{frames.GoroutineStates(o, snap, stats)}, nil
	case "groups":
		groups, err := stackgroups.Groups(snap, filter)
		if err != nil {
			return nil, err
		}
		return []*data.Frame{frames.GoroutineGroups(o, snap, groups)}, nil
	case "timeline":
		tl, err := stackgroups.BuildTimeline(snap, filter, o.CapturedAt)
		if err != nil {
			return nil, err
		}
		return frames.GoroutineTimeline(o, snap, tl), nil
	case "leaks":
		groups, err := stackgroups.Groups(snap, filter)
		if err != nil {
			return nil, err
		}
		return []*data.Frame{frames.GoroutineLeaks(o, snap, stackgroups.Leaks(groups))}, nil
	case "races":
		return []*data.Frame{frames.GoroutineRaces(o, snap)}, nil
	}
	return nil, fmt.Errorf("unknown view %q", q.View)
}

// fetchGoroutines reads a target's goroutines: the full dump (debug=2,
// with states and wait times) while the process has at most the configured
// number of goroutines, and the aggregated debug=1 profile above it,
// because a full dump stops the world for about 300 ms per 100k
// goroutines. The count comes from the index page (runtime.NumGoroutine,
// no stop-the-world); when the page lists none, from the debug=1
// profile's "goroutine profile: total N" header, which stops the world
// only briefly. A full dump is never fetched without a count.
func (d *Datasource) fetchGoroutines(ctx context.Context, t settings.Target) blob {
	ix, _, err := d.targets.Index(ctx, t)
	if err != nil {
		return blob{origin: targetOrigin(t, now()), err: err}
	}
	var summary blob
	n, known := ix.Goroutines()
	if !known {
		summary = d.fetchPlain(ctx, t, targets.Profile("goroutine", 1))
		if summary.err != nil {
			return summary
		}
		if n, known = declaredGoroutines(summary.data); !known {
			summary.err = fmt.Errorf("target %q: neither the index page nor goroutine?debug=1 says how many goroutines the process has, so no full dump is fetched", t.Name)
			return summary
		}
	}
	if n <= int64(d.settings.MaxFullDumpGoroutines) {
		// The summary only gave the count; its place goes to the dump.
		summary.close()
		return d.fetchPlain(ctx, t, targets.Profile("goroutine", 2))
	}
	if summary.data == nil {
		summary = d.fetchPlain(ctx, t, targets.Profile("goroutine", 1))
	}
	summary.notices = append(summary.notices, fmt.Sprintf(
		"%d goroutines is above the %d allowed for a full dump (maxFullDumpGoroutines), so this is the debug=1 summary: stacks and counts, without states or wait times",
		n, d.settings.MaxFullDumpGoroutines))
	return summary
}

// declaredGoroutines reads the count a debug=1 goroutine profile declares
// on its first line, "goroutine profile: total N".
func declaredGoroutines(debug1 []byte) (int64, bool) {
	line, _, _ := bytes.Cut(debug1, []byte("\n"))
	total, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("goroutine profile: total "))
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(string(total), 10, 64)
	return n, err == nil && n >= 0
}
