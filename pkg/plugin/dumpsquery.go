package plugin

import (
	"fmt"
	"maps"
	"slices"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/query"
)

// queryDumps answers the dump views: the list of stored dumps (for the
// dump explorer and template variables), their capture times as
// annotations, and history series read from the snapshots in range.
func (d *Datasource) queryDumps(q *query.Query, tr backend.TimeRange) backend.DataResponse {
	if err := d.requireCatalog(); err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	switch q.View {
	case "list":
		return backend.DataResponse{Frames: []*data.Frame{frames.DumpTable(d.catalog.List(dumps.Filter{Source: q.DumpSource}))}}
	case "annotations":
		entries := d.catalog.Snapshots(dumps.Filter{Source: q.DumpSource, From: tr.From, To: tr.To})
		return backend.DataResponse{Frames: []*data.Frame{frames.CaptureAnnotations(entries)}}
	case "history":
		return d.dumpHistory(q, tr)
	}
	return unknownView(q)
}

func (d *Datasource) dumpHistory(q *query.Query, tr backend.TimeRange) backend.DataResponse {
	entries := d.catalog.Snapshots(dumps.Filter{Source: q.DumpSource, From: tr.From, To: tr.To})
	var notices []string
	if len(entries) > maxHistorySnapshots {
		notices = append(notices, fmt.Sprintf("%d snapshots in range; the newest %d are shown (narrow the time range to see the rest)", len(entries), maxHistorySnapshots))
		entries = entries[len(entries)-maxHistorySnapshots:]
	}
	bySource := map[string][]frames.HistoryPoint{}
	for _, e := range entries {
		values, err := d.history.values(e, func() ([]snapshotPoint, error) {
			if e.Format == dumpformat.CoreDump {
				return d.coreHistory(e)
			}
			_, content, err := d.catalog.Get(e.ID)
			if err != nil {
				return nil, err
			}
			defer content.Close()
			var values []snapshotPoint
			err = content.Read(func(data []byte) error {
				var err error
				values, err = snapshotValues(e, data, d.settings.Limits)
				return err
			})
			return values, err
		})
		if err != nil {
			notices = append(notices, fmt.Sprintf("%s: %v", e.Name, err))
			continue
		}
		// Each snapshot of a log counts at its own time, and only when that
		// time is in range.
		for _, p := range values {
			at := e.SnapshotTime(dumps.SnapshotInfo{LoggedAt: p.loggedAt})
			if at.Before(tr.From) || at.After(tr.To) {
				continue
			}
			bySource[e.Source] = append(bySource[e.Source], frames.HistoryPoint{At: at, Values: p.values, Unknown: p.unknown})
		}
	}
	var out []*data.Frame
	for _, source := range slices.Sorted(maps.Keys(bySource)) {
		o := frames.Origin{Name: source, Kind: "source"}
		out = append(out, frames.SnapshotHistory(o, bySource[source])...)
	}
	if len(out) == 0 && len(notices) == 0 {
		notices = append(notices, "no snapshot with goroutines, threads or heap figures was captured in this time range")
	}
	return backend.DataResponse{Frames: withNotices(out, notices)}
}
