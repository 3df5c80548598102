package plugin

import (
	"fmt"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
)

// validateDump runs the real parser of a dump's format on an upload (and on
// the goroutine dumps of dump directories), so a file that would fail every
// query is refused, with the parser's reason, and a log of several dumps
// is listed with its snapshots. A goroutine dump that is only partly
// readable (a truncated crash log) is kept: what it holds is still
// evidence. The parse goes into the parse cache under the key queries of
// the dump use (key is its content key), so the first query after an
// upload does not parse it again.
func (d *Datasource) validateDump(key string, format dumpformat.Format, data []byte) (dumps.Snapshots, error) {
	b := blob{key: "dump " + key, data: data}
	switch {
	case isGoroutineDump(format):
		p, _, err := d.parse(goroutineParser, b)
		if err != nil {
			return nil, err
		}
		if !hasEvidence(p.snapshots) {
			err := p.err
			if err == nil {
				err = fmt.Errorf("no goroutines and no data race reports found")
			}
			return nil, err
		}
		return describeSnapshots(p.snapshots), nil
	case format == dumpformat.Trace:
		return nil, nil
	case format.Encoding() == dumpformat.EncodingProtobuf || format.Encoding() == dumpformat.EncodingText:
		_, _, _, err := d.parseProfile(b)
		return nil, err
	}
	return nil, fmt.Errorf("%s is not a dump this data source reads", format.Description())
}

// hasEvidence reports whether any snapshot lists goroutines or races.
func hasEvidence(snaps []*goroutines.Snapshot) bool {
	for _, s := range snaps {
		if len(s.Goroutines) > 0 || len(s.Races) > 0 {
			return true
		}
	}
	return false
}

func describeSnapshots(snaps []*goroutines.Snapshot) dumps.Snapshots {
	out := make(dumps.Snapshots, len(snaps))
	for i, s := range snaps {
		out[i] = dumps.SnapshotInfo{
			Index:      i + 1,
			LoggedAt:   s.CapturedAt,
			Kind:       string(s.Format),
			Detail:     frames.SnapshotSummary(s),
			Goroutines: s.Total,
		}
	}
	return out
}

// isGoroutineDump reports formats the goroutine views read: every
// goroutine dump and profile, the leak profile, which lists leaked
// goroutines in the same layouts, and race detector logs (the races view).
func isGoroutineDump(f dumpformat.Format) bool {
	p := f.Profile()
	return p == "goroutine" || p == "goroutineleak" || p == "race"
}
