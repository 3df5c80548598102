package plugin

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/parsecache"
	"github.com/goscope/pprof/pkg/profiles"
)

// parsed is what the parse cache keeps of one content: every goroutine
// snapshot of a dump, or a profile, or the frames of one view of it.
// Views read it and never change it; the panels of a dashboard share it.
type parsed struct {
	snapshots []*goroutines.Snapshot
	profile   *profile.Profile
	// cut says which of the profile's stacks were cut at parse time.
	cut dumpformat.StackCut
	// err is the parser's error; with snapshots, what could not be read.
	err error
	// frames are a view's answer, shared: callers change copies only
	// (see shareFrames).
	frames []*data.Frame
}

// parser turns the bytes of a blob into what a view reads, within the
// data source's limits.
type parser struct {
	name  string
	parse func([]byte, dumpformat.Limits) parsed
	// perByte estimates the memory of the result per input byte, on top
	// of a fixed cost; measured on the largest inputs of the corpus and
	// on a generated million-goroutine dump (0.43), and checked by
	// TestParseCacheEstimatesCoverRetainedMemory.
	perByte float64
}

// parseOverhead is the fixed cost of any parse result in the estimate.
const parseOverhead = 64 << 10

var (
	goroutineParser = parser{name: "goroutines", perByte: 0.5, parse: func(b []byte, lim dumpformat.Limits) parsed {
		snaps, err := goroutines.ParseAll(b, lim)
		return parsed{snapshots: snaps, err: err}
	}}
	profileParser = parser{name: "profile", perByte: 8, parse: func(b []byte, lim dumpformat.Limits) parsed {
		p, cut, err := profiles.Parse(b, lim)
		return parsed{profile: p, cut: cut, err: err}
	}}
)

func (p parser) estimate(inputBytes int) int64 {
	return parseOverhead + int64(p.perByte*float64(inputBytes))
}

// parseUse says how a query came by its parse, for the frames' stats.
type parseUse struct {
	outcome parsecache.Outcome
	took    time.Duration
}

// parse returns the blob's content parsed, from the cache when the same
// content was parsed before, and shares a parse in progress with
// concurrent queries over the same content. A stored dump's file is
// released as soon as it is parsed, before the view is built.
func (d *Datasource) parse(p parser, b blob) (parsed, parseUse, error) {
	defer b.close()
	start := time.Now()
	load := func() (parsed, int64, error) {
		if b.core != nil {
			if p.name != goroutineParser.name {
				return parsed{}, 0, fmt.Errorf("%s is a core dump: only the goroutine views read it", b.origin.Name)
			}
			out, size := parseCore(*b.core)
			return out, size, nil
		}
		var out parsed
		var size int64
		err := b.read(func(data []byte) error {
			out, size = p.parse(data, d.settings.Limits), p.estimate(len(data))
			return nil
		})
		return out, size, err
	}
	if b.passing && b.key != "" {
		if v, ok := d.parseCache.Peek(p.name + " " + b.key); ok {
			return v, parseUse{outcome: parsecache.Cached, took: time.Since(start)}, nil
		}
	}
	if b.key == "" || b.passing {
		v, _, err := load()
		return v, parseUse{outcome: parsecache.Loaded, took: time.Since(start)}, err
	}
	v, outcome, err := d.parseCache.Get(p.name+" "+b.key, load)
	d.forgetLater(p.name+" "+b.key, b, outcome)
	return v, parseUse{outcome: outcome, took: time.Since(start)}, err
}

// forgetLater drops what a query kept of a target's response once the
// targets client no longer hands that response out.
func (d *Datasource) forgetLater(key string, b blob, outcome parsecache.Outcome) {
	if outcome == parsecache.Loaded && !b.reusedUntil.IsZero() {
		d.parseCache.ForgetAfter(key, time.Until(b.reusedUntil))
	}
}

// cachedView answers a view from the cache when the same query ran on the
// same content before (a dashboard refreshing over a stored dump), and
// builds it otherwise. Everything that shapes the answer is in the key:
// the content, the query and the origin (a capture time can be edited).
func (d *Datasource) cachedView(b blob, q any, build func() ([]*data.Frame, parseUse, error)) ([]*data.Frame, error) {
	if b.key == "" {
		fs, use, err := build()
		return withParseStats(fs, use), err
	}
	shape, err := json.Marshal(struct {
		Query  any
		Origin frames.Origin
		Until  time.Time
	}{q, b.origin, b.until})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var use parseUse
	key := "view " + b.key + " " + string(shape)
	v, outcome, err := d.parseCache.Get(key, func() (parsed, int64, error) {
		fs, u, err := build()
		use = u
		return parsed{frames: fs}, framesSize(fs), err
	})
	d.forgetLater(key, b, outcome)
	if err != nil {
		return nil, err
	}
	if outcome != parsecache.Loaded {
		use = parseUse{outcome: outcome, took: time.Since(start)}
	}
	return withParseStats(shareFrames(v.frames), use), nil
}

// shareFrames copies cached frames so that a query can add its notices
// and stats and Grafana its ref id without touching the cached ones; the
// fields, which nothing changes, are shared.
func shareFrames(fs []*data.Frame) []*data.Frame {
	out := make([]*data.Frame, len(fs))
	for i, f := range fs {
		c := *f
		if f.Meta != nil {
			m := *f.Meta
			m.Notices, m.Stats = slices.Clone(m.Notices), slices.Clone(m.Stats)
			c.Meta = &m
		}
		out[i] = &c
	}
	return out
}

// framesSize estimates the memory of frames: their strings and eight
// bytes per other value.
func framesSize(fs []*data.Frame) int64 {
	size := int64(1 << 10)
	for _, f := range fs {
		for _, field := range f.Fields {
			size += int64(field.Len()) * 16
			if field.Type() != data.FieldTypeString {
				continue
			}
			for i := range field.Len() {
				size += int64(len(field.At(i).(string)))
			}
		}
	}
	return size
}

// withParseStats adds to the frames how their source was parsed, which
// Grafana's query inspector shows: whether this query parsed the dump or
// was served a parse from the cache, and how long it took or waited.
func withParseStats(fs []*data.Frame, use parseUse) []*data.Frame {
	fromCache := 0.0
	if use.outcome != parsecache.Loaded {
		fromCache = 1
	}
	stats := []data.QueryStat{
		{FieldConfig: data.FieldConfig{DisplayName: parseCacheStat}, Value: fromCache},
		{FieldConfig: data.FieldConfig{DisplayName: "Parse time", Unit: "ms"}, Value: float64(use.took.Microseconds()) / 1000},
	}
	for _, f := range fs {
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		f.Meta.Stats = append(f.Meta.Stats, stats...)
	}
	return fs
}

// parseCacheStat is 1 when the source's parse came from the cache (or
// from a concurrent query's parse of the same content), 0 when the query
// parsed it.
const parseCacheStat = "Parsed dump from cache"
