package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/targets"
)

// blob is the raw, decompressed content of one snapshot of a source,
// ready for a parser, with where it came from and what the reader should
// be told about it.
type blob struct {
	origin frames.Origin
	data   []byte
	// profile is the runtime profile the data holds ("heap", "cpu"...),
	// when known, which decides default sample types.
	profile string
	notices []string
	err     error
	// entry describes a stored dump; zero for a target.
	entry dumps.Entry
}

// fetchFunc fetches one target's snapshot for a query type.
type fetchFunc func(ctx context.Context, t settings.Target) blob

// blobs resolves a query's source: a stored dump, the latest dump of a dump
// source within the time range, or the selected targets (all of them when
// the query names none).
func (d *Datasource) blobs(ctx context.Context, q *query.Query, tr backend.TimeRange, accepts func(dumpformat.Format) bool, fetch fetchFunc) ([]blob, error) {
	switch {
	case q.Dump != "":
		b, err := d.dumpBlob(q.Dump, accepts)
		if err != nil {
			return nil, err
		}
		return []blob{b}, nil
	case q.DumpSource != "":
		b, err := d.latestDumpBlob(q.DumpSource, accepts, tr)
		if err != nil {
			return nil, err
		}
		return []blob{b}, nil
	}
	ts, err := targets.Select(d.settings.Targets, q.Target)
	if err != nil {
		return nil, err
	}
	return targets.Each(ts, func(t settings.Target) blob { return fetch(ctx, t) }), nil
}

func (d *Datasource) requireCatalog() error {
	if d.catalog == nil {
		return fmt.Errorf("stored dumps are unavailable: %v", d.catalogErr)
	}
	return nil
}

// dumpBlob reads a stored dump; accepts says whether its format suits the
// query.
func (d *Datasource) dumpBlob(id string, accepts func(dumpformat.Format) bool) (blob, error) {
	if err := d.requireCatalog(); err != nil {
		return blob{}, err
	}
	e, data, err := d.catalog.Get(id)
	if err != nil {
		if errors.Is(err, dumps.ErrNotFound) {
			return blob{}, fmt.Errorf("no stored dump has id %q (it may have been deleted)", id)
		}
		return blob{}, err
	}
	if !accepts(e.Format) {
		return blob{}, fmt.Errorf("dump %q is a %s, which this query type does not read", e.Name, e.FormatDescription)
	}
	return blob{origin: dumpOrigin(e), data: data, profile: e.Profile, entry: e}, nil
}

// latestDumpBlob reads the newest dump of a source captured within the
// time range that the query can read.
func (d *Datasource) latestDumpBlob(source string, accepts func(dumpformat.Format) bool, tr backend.TimeRange) (blob, error) {
	if err := d.requireCatalog(); err != nil {
		return blob{}, err
	}
	snaps := d.catalog.Snapshots(dumps.Filter{Source: source, From: tr.From, To: tr.To})
	if e, ok := newestSnapshot(snaps, accepts); ok {
		return d.dumpBlob(e.ID, accepts)
	}
	return blob{}, fmt.Errorf("dump source %q has no suitable dump captured between %s and %s", source,
		tr.From.UTC().Format(time.RFC3339), tr.To.UTC().Format(time.RFC3339))
}

func dumpOrigin(e dumps.Entry) frames.Origin {
	return frames.Origin{Name: e.Name, Kind: "dump", Labels: map[string]string{"source": e.Source}, CapturedAt: e.CapturedAt}
}

func targetOrigin(t settings.Target, at time.Time) frames.Origin {
	return frames.Origin{Name: t.Name, Kind: "target", Labels: t.Labels, CapturedAt: at}
}

// fetchPlain fetches an endpoint and decompresses it within the limit, so
// a target cannot make the plugin inflate a gzip bomb.
func (d *Datasource) fetchPlain(ctx context.Context, t settings.Target, e targets.Endpoint) blob {
	r, err := d.targets.Get(ctx, t, e)
	if err != nil {
		return blob{origin: targetOrigin(t, now()), err: err}
	}
	plain, _, err := dumpformat.Decompress(r.Body, dumpformat.DefaultDecompressedLimit)
	if err != nil {
		return blob{origin: targetOrigin(t, r.FetchedAt), err: fmt.Errorf("target %q: %s: %w", t.Name, e, err)}
	}
	return blob{origin: targetOrigin(t, r.FetchedAt), data: plain}
}

// answerEach builds a view of every blob and joins the frames. A source
// that failed becomes a notice on the frames of the others, and the query
// fails only when every source did.
func answerEach(blobs []blob, view func(blob) ([]*data.Frame, error)) backend.DataResponse {
	var out []*data.Frame
	var failures []string
	for _, b := range blobs {
		if b.err != nil {
			failures = append(failures, b.err.Error())
			continue
		}
		fs, err := view(b)
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", b.origin.Name, err))
			continue
		}
		out = append(out, withNotices(fs, b.notices)...)
	}
	if len(out) == 0 {
		return backend.ErrDataResponse(backend.StatusBadGateway, strings.Join(failures, "; "))
	}
	return backend.DataResponse{Frames: withNotices(out, failures)}
}
