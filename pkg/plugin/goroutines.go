package plugin

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/targets"
)

// queryGoroutines answers the goroutine views of each source's snapshot.
func (d *Datasource) queryGoroutines(ctx context.Context, q *query.Query, tr backend.TimeRange) backend.DataResponse {
	blobs, err := d.blobs(ctx, q, tr, isGoroutineDump, d.fetchGoroutines)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	filter := stackgroups.Filter{
		States:           q.Filter.States,
		Include:          q.Filter.Include,
		Exclude:          q.Filter.Exclude,
		ExcludeCreatedBy: q.Filter.ExcludeCreatedBy,
		MinWaitMinutes:   q.Filter.MinWaitMinutes,
		HideSystem:       q.Filter.HideRuntime,
	}
	return answerEach(blobs, func(b blob) ([]*data.Frame, error) { return goroutineView(q, filter, b) })
}

// goroutineView parses one snapshot and builds the requested view. A
// partly readable dump still answers, with the parse error as a notice.
func goroutineView(q *query.Query, filter stackgroups.Filter, b blob) ([]*data.Frame, error) {
	snap, parseErr := goroutines.Parse(b.data)
	if snap == nil || len(snap.Goroutines) == 0 {
		if parseErr == nil {
			parseErr = fmt.Errorf("the dump holds no goroutines")
		}
		return nil, parseErr
	}
	var notices []string
	if parseErr != nil {
		notices = append(notices, "only part of the dump could be read: "+parseErr.Error())
	}
	for _, ignored := range filter.Ignored(snap) {
		notices = append(notices, "filter not applied: "+ignored)
	}
	fs, err := buildGoroutineFrames(q, filter, b.origin, snap)
	if err != nil {
		return nil, err
	}
	return withNotices(fs, notices), nil
}

func buildGoroutineFrames(q *query.Query, filter stackgroups.Filter, o frames.Origin, snap *goroutines.Snapshot) ([]*data.Frame, error) {
	switch q.View {
	case "count":
		c, err := stackgroups.Count(snap, filter)
		if err != nil {
			return nil, err
		}
		return frames.GoroutineCount(o, snap, c, q.PerCategory), nil
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
