package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
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

// blob is the content of one snapshot of a source, ready for a parser,
// with where it came from and what the reader should be told about it.
type blob struct {
	origin frames.Origin
	// key identifies the content for the parse cache: blobs with the same
	// key hold the same bytes. Empty when nothing identifies it.
	key string
	// data is a fetched snapshot, decompressed; content a stored dump's,
	// open until the blob is closed.
	data    []byte
	content *dumps.Content
	// core is set instead for a core dump, which is read from its file
	// with its executable.
	core *dumps.CoreFiles
	// profile is the runtime profile the data holds ("heap", "cpu"...),
	// when known, which decides default sample types.
	profile string
	notices []string
	err     error
	// until, when set, is the end of the time range a dump was chosen for:
	// of a file of several snapshots, the newest captured by then is read.
	until time.Time
	// entry describes a stored dump; zero for a target.
	entry dumps.Entry
	// release gives back the query's place for a fetched dump.
	release func()
	// reusedUntil, for a target's response, is when the targets client
	// stops handing it out: its parse and views are dropped then, as no
	// later query can ask for them.
	reusedUntil time.Time
	// passing is set for a dump read once in the background (the
	// recorder's full dump): a parse of it in the cache is used, but its
	// own parse is not kept, so it pushes no panel's parse out.
	passing bool
}

// read gives fn the blob's bytes, which fn must not keep.
func (b blob) read(fn func([]byte) error) error {
	if b.content != nil {
		return b.content.Read(fn)
	}
	return fn(b.data)
}

func (b blob) close() {
	if b.content != nil {
		// An unmapping error leaves nothing for the query to do.
		_ = b.content.Close()
	}
	if b.release != nil {
		b.release()
	}
}

// source produces one blob when called; sources are called one at a time
// per worker, so a query over many targets holds few blobs at once.
type source func() blob

// fetchFunc fetches one target's snapshot for a query type.
type fetchFunc func(ctx context.Context, t settings.Target) blob

// sources resolves a query's source: a stored dump, the latest dump of a
// dump source within the time range, or the selected targets (all of them
// when the query names none).
func (d *Datasource) sources(ctx context.Context, q *query.Query, tr backend.TimeRange, accepts func(dumpformat.Format) bool, fetch fetchFunc) ([]source, error) {
	switch {
	case q.Dump != "":
		src, err := d.dumpSource(q.Dump, accepts)
		if err != nil {
			return nil, err
		}
		return []source{src}, nil
	case q.DumpSource != "":
		src, err := d.latestDumpSource(q.DumpSource, accepts, tr)
		if err != nil {
			return nil, err
		}
		return []source{src}, nil
	}
	ts, err := targets.Select(d.allTargets(ctx), q.Target)
	if err != nil {
		return nil, err
	}
	ctx = withDumpPlaces(ctx)
	out := make([]source, len(ts))
	for i, t := range ts {
		out[i] = func() blob {
			ctx, cancel, explain := d.targetWait(ctx, t, len(ts) > 1)
			defer cancel()
			b := fetch(ctx, t)
			if b.err != nil {
				b.err = explain(b.err)
			}
			return b
		}
	}
	return out, nil
}

func (d *Datasource) requireCatalog() error {
	if d.catalog == nil {
		return fmt.Errorf("stored dumps are unavailable: %v", d.catalogErr)
	}
	return nil
}

// dumpSource checks that a stored dump exists and that its format suits
// the query (accepts); the source opens it when called.
func (d *Datasource) dumpSource(id string, accepts func(dumpformat.Format) bool) (source, error) {
	if err := d.requireCatalog(); err != nil {
		return nil, err
	}
	e, err := d.catalog.Entry(id)
	if err != nil {
		if errors.Is(err, dumps.ErrNotFound) {
			return nil, fmt.Errorf("no stored dump has id %q (it may have been deleted)", id)
		}
		return nil, err
	}
	if !accepts(e.Format) {
		return nil, fmt.Errorf("dump %q is a %s, which this query type does not read", e.Name, e.FormatDescription)
	}
	return func() blob { return d.openDump(e) }, nil
}

// openDump opens a stored dump. The file is mapped, not read, so a dump
// whose parse is cached costs no read.
func (d *Datasource) openDump(listed dumps.Entry) blob {
	if listed.Format == dumpformat.CoreDump {
		e, files, err := d.catalog.CoreFiles(listed.ID)
		if err != nil {
			return blob{origin: dumpOrigin(listed), err: fmt.Errorf("%s: %w", listed.Name, err)}
		}
		return blob{origin: dumpOrigin(e), key: "dump " + e.ContentKey(), core: &files, profile: e.Profile, entry: e}
	}
	e, content, err := d.catalog.Get(listed.ID)
	if err != nil {
		return blob{origin: dumpOrigin(listed), err: fmt.Errorf("%s: %w", listed.Name, err)}
	}
	return blob{origin: dumpOrigin(e), key: "dump " + e.ContentKey(), content: content, profile: e.Profile, entry: e}
}

// openStored opens a stored dump whose format suits the caller (accepts).
// The caller closes the blob.
func (d *Datasource) openStored(id string, accepts func(dumpformat.Format) bool) (blob, error) {
	open, err := d.dumpSource(id, accepts)
	if err != nil {
		return blob{}, err
	}
	b := open()
	return b, b.err
}

// latestDumpSource is the newest dump of a source captured within the
// time range that the query can read.
func (d *Datasource) latestDumpSource(source string, accepts func(dumpformat.Format) bool, tr backend.TimeRange) (source, error) {
	if err := d.requireCatalog(); err != nil {
		return nil, err
	}
	// A log of several snapshots counts at its newest one in range.
	type candidate struct {
		entry dumps.Entry
		at    time.Time
	}
	var candidates []candidate
	for _, e := range d.catalog.Snapshots(dumps.Filter{Source: source, From: tr.From, To: tr.To}) {
		if at, ok := e.NewestWithin(tr.From, tr.To); ok {
			candidates = append(candidates, candidate{e, at})
		}
	}
	slices.SortStableFunc(candidates, func(a, b candidate) int { return a.at.Compare(b.at) })
	entries := make([]dumps.Entry, len(candidates))
	for i, c := range candidates {
		entries[i] = c.entry
	}
	if e, ok := newestSnapshot(entries, accepts); ok {
		src, err := d.dumpSource(e.ID, accepts)
		if err != nil {
			return nil, err
		}
		return func() blob {
			b := src()
			b.until = tr.To
			return b
		}, nil
	}
	return nil, fmt.Errorf("dump source %q has no suitable dump captured between %s and %s", source,
		tr.From.UTC().Format(time.RFC3339), tr.To.UTC().Format(time.RFC3339))
}

func dumpOrigin(e dumps.Entry) frames.Origin {
	return frames.Origin{Name: e.Name, Kind: "dump", Labels: map[string]string{"source": e.Source}, CapturedAt: e.CapturedAt}
}

func targetOrigin(t settings.Target, at time.Time) frames.Origin {
	return frames.Origin{Name: t.Name, Kind: "target", Labels: t.Labels, CapturedAt: at}
}

// fetchPlain fetches an endpoint and decompresses it within the limit, so
// a target cannot make the plugin inflate a gzip bomb. The targets client
// hands out the same response for the same endpoint within the minimum
// interval, so the target, the endpoint and the fetch time identify the
// bytes for the parse cache.
// The blob holds one of the query's places for fetched dumps until it is
// closed.
func (d *Datasource) fetchPlain(ctx context.Context, t settings.Target, e targets.Endpoint) blob {
	release, err := holdDumpPlace(ctx)
	if err != nil {
		return blob{origin: targetOrigin(t, now()), err: fmt.Errorf("target %q: %s not fetched: %w", t.Name, e, err)}
	}
	r, err := d.targets.Get(ctx, t, e)
	if err != nil {
		release()
		return blob{origin: targetOrigin(t, now()), err: err}
	}
	plain, _, err := dumpformat.Decode(r.Body, d.settings.Limits)
	if err != nil {
		release()
		return blob{origin: targetOrigin(t, r.FetchedAt), err: fmt.Errorf("target %q: %s: %w", t.Name, e, err)}
	}
	key := fmt.Sprintf("target %q %s %d", t.Name, e, r.FetchedAt.UnixNano())
	return blob{origin: targetOrigin(t, r.FetchedAt), key: key, data: plain, release: release, reusedUntil: r.FetchedAt.Add(d.settings.MinInterval)}
}

// maxConcurrentSources bounds the sources of one query at work at once.
// Most of a source's time over a target is spent waiting on it, holding
// little (an index page), so many run at once and a target that hangs
// holds up few others; what they hold once fetched is bounded by
// maxHeldDumps.
const maxConcurrentSources = 32

// maxHeldDumps bounds the dumps and profiles one query over targets has
// fetched or is fetching: each is held with its parse until its frames are
// built, so a query over every target holds a few dumps, not all of them.
const maxHeldDumps = 4

type dumpPlacesKey struct{}

// withDumpPlaces gives a query over targets its places for fetched dumps.
func withDumpPlaces(ctx context.Context) context.Context {
	return context.WithValue(ctx, dumpPlacesKey{}, make(chan struct{}, maxHeldDumps))
}

// holdDumpPlace waits for one of the query's places for a fetched dump,
// if it has any, and returns what gives it back.
func holdDumpPlace(ctx context.Context) (func(), error) {
	places, _ := ctx.Value(dumpPlacesKey{}).(chan struct{})
	if places == nil {
		return func() {}, nil
	}
	select {
	case places <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-places }) }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// answerEach builds a view of every source's blob, a few sources at a
// time, keeping only the frames, and joins them in the sources' order. A
// source that failed becomes a notice on the frames of the others, and
// the query fails only when every source did.
func answerEach(sources []source, view func(blob) ([]*data.Frame, error)) backend.DataResponse {
	type answer struct {
		frames  []*data.Frame
		failure string
	}
	answers := make([]answer, len(sources))
	slots := make(chan struct{}, maxConcurrentSources)
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			b := src()
			defer b.close()
			if b.err != nil {
				answers[i].failure = b.err.Error()
				return
			}
			fs, err := view(b)
			if err != nil {
				answers[i].failure = fmt.Sprintf("%s: %v", b.origin.Name, err)
				return
			}
			answers[i].frames = withNotices(fs, b.notices)
		}()
	}
	wg.Wait()
	var out []*data.Frame
	var failures []string
	for _, a := range answers {
		out = append(out, a.frames...)
		if a.failure != "" {
			failures = append(failures, a.failure)
		}
	}
	if len(out) == 0 {
		return backend.ErrDataResponse(backend.StatusBadGateway, strings.Join(failures, "; "))
	}
	return backend.DataResponse{Frames: withNotices(out, failures)}
}
