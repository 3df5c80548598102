package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/profiles"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/targets"
	"github.com/goscope/pprof/pkg/traces"
)

// Trace query defaults: a live trace of one second, and the goroutines a
// timeline or a per-goroutine table shows.
const (
	defaultTraceSeconds    = 1
	defaultTraceGoroutines = 20
	maxTraceGoroutines     = 500
	// maxTraceBuckets bounds a state series whatever the panel asks.
	maxTraceBuckets = 10000
	// maxTraceInstants bounds the instants of one states query.
	maxTraceInstants = 1000
)

// queryTrace answers the views of an execution trace: an uploaded trace, the
// newest trace of a dump source, or a live target's trace?seconds=N.
func (d *Datasource) queryTrace(ctx context.Context, q *query.Query, dq backend.DataQuery) backend.DataResponse {
	to := q.Trace
	seconds := to.Seconds
	if seconds == 0 {
		seconds = min(defaultTraceSeconds, d.settings.MaxTraceSeconds)
	}
	if seconds > d.settings.MaxTraceSeconds {
		return backend.ErrDataResponse(backend.StatusBadRequest,
			fmt.Sprintf("a %d s execution trace is longer than the %d s this data source allows (maxTraceSeconds)", seconds, d.settings.MaxTraceSeconds))
	}
	v, err := d.newTraceView(q, dq)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	fetch := func(ctx context.Context, t settings.Target) blob {
		e := targets.Profile("trace", 0)
		e.Query.Set("seconds", fmt.Sprint(seconds))
		e.Duration = time.Duration(seconds) * time.Second
		return d.fetchPlain(ctx, t, e)
	}
	sources, err := d.sources(ctx, q, dq.TimeRange, isTrace, fetch)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	return answerEach(sources, v.frames)
}

func isTrace(f dumpformat.Format) bool { return f == dumpformat.Trace }

// traceView is a checked trace query.
type traceView struct {
	view       string
	filter     *traces.GoroutineFilter
	raw        stackgroups.Filter
	kinds      []traces.Kind
	semantics  traces.Semantics
	n          int
	perG       bool
	bucket     time.Duration
	maxBuckets int
	maxNodes   int
	// at are instants the states view counts goroutines at.
	at []time.Time
}

func (d *Datasource) newTraceView(q *query.Query, dq backend.DataQuery) (*traceView, error) {
	if q.Filter.LockedToThread {
		return nil, errors.New("the lockedToThread filter reads goroutine dumps: an execution trace does not record which goroutines are locked to threads")
	}
	raw := stackgroups.Filter{
		States:           q.Filter.States,
		Include:          q.Filter.Include,
		Exclude:          q.Filter.Exclude,
		ExcludeCreatedBy: q.Filter.ExcludeCreatedBy,
		HideSystem:       q.Filter.HideRuntime,
	}
	f, err := traces.CompileFilter(raw)
	if err != nil {
		return nil, err
	}
	v := &traceView{view: q.View, filter: f, raw: raw, perG: q.Trace.PerGoroutine, maxNodes: d.settings.MaxProfileNodes}
	if v.semantics, err = traces.ParseSemantics(q.Trace.Reference); err != nil {
		return nil, err
	}
	if k := q.Trace.Kind; k != "" && k != "all" {
		kind, err := traces.ParseKind(k)
		if err != nil {
			return nil, err
		}
		v.kinds = []traces.Kind{kind}
	} else {
		v.kinds = traces.Kinds()
	}
	v.n = q.Trace.Goroutines
	if v.n == 0 {
		v.n = defaultTraceGoroutines
	}
	if v.n > maxTraceGoroutines {
		return nil, fmt.Errorf("goroutines is %d; a trace view shows at most %d", v.n, maxTraceGoroutines)
	}
	for _, a := range q.Trace.At {
		w, err := time.Parse(time.RFC3339Nano, a)
		if err != nil {
			return nil, fmt.Errorf("trace.at %q is not an RFC 3339 time (such as 2026-12-06T10:00:00.123456789Z)", a)
		}
		v.at = append(v.at, w)
	}
	if len(v.at) > maxTraceInstants {
		return nil, fmt.Errorf("trace.at lists %d instants; at most %d", len(v.at), maxTraceInstants)
	}
	v.bucket = dq.Interval
	v.maxBuckets = maxTraceBuckets
	if dq.MaxDataPoints > 0 {
		v.maxBuckets = int(min(dq.MaxDataPoints, maxTraceBuckets))
	}
	return v, nil
}

func (v *traceView) options() traces.Options {
	o := traces.Options{Bucket: v.bucket, MaxBuckets: v.maxBuckets, Semantics: v.semantics}
	if v.view == "timeline" || v.view == "goroutines" && v.perG {
		// candidates enough for the filter to choose from
		o.TopGoroutines = max(10*v.n, 200)
	}
	return o
}

// analyze reads the trace in one pass; a stored trace is read from its
// mapped file, so its bytes are page cache, not heap.
func (v *traceView) analyze(b blob, o traces.Options) (*traces.Result, error) {
	var res *traces.Result
	err := b.read(func(data []byte) error {
		var err error
		res, err = traces.Analyze(bytes.NewReader(data), o)
		return err
	})
	return res, err
}

// frames builds the view of one trace.
func (v *traceView) frames(b blob) ([]*data.Frame, error) {
	res, err := v.analyze(b, v.options())
	if err != nil {
		return nil, err
	}
	end := b.origin.CapturedAt
	if end.IsZero() {
		end = now()
	}
	clock := frames.TraceClock{Result: res, End: end}
	o := b.origin
	var fs []*data.Frame
	switch v.view {
	case "states":
		if len(v.at) == 0 {
			fs = frames.TraceStates(o, clock, res.States, v.filter.State, !v.raw.HideSystem)
			break
		}
		opts := v.options()
		for _, w := range v.at {
			opts.Instants = append(opts.Instants, res.TraceTime(w, end))
		}
		if res, err = v.analyze(b, opts); err != nil {
			return nil, err
		}
		clock.Result = res
		fs = []*data.Frame{frames.TraceStatesAt(o, clock, res.At, v.filter.State, !v.raw.HideSystem)}
	case "blocking", "top":
		fs, err = v.blocking(res, o)
	case "goroutines":
		rows := res.Groups
		if v.perG {
			rows = res.Goroutines
		}
		var kept []traces.GoroutineStats
		for i := range rows {
			if v.filter.Goroutine(&rows[i]) && (!v.perG || len(kept) < v.n) {
				kept = append(kept, rows[i])
			}
		}
		fs = []*data.Frame{frames.TraceGoroutines(o, kept, v.perG)}
	case "timeline":
		ids := traces.MostWaiting(res, v.filter, v.n)
		opts := v.options()
		opts.Timeline = ids
		if res, err = v.analyze(b, opts); err != nil {
			return nil, err
		}
		clock.Result = res
		fs = frames.TraceTimeline(o, clock, res.Timelines)
	case "regions":
		fs = frames.TraceSpans(o, clock, "regions", res.Regions)
	case "tasks":
		fs = frames.TraceSpans(o, clock, "tasks", res.Tasks)
	case "gc":
		fs = []*data.Frame{frames.TracePeriods(clock, res.Periods)}
	case "metrics":
		fs = frames.TraceMetrics(o, clock, res.Metrics, res.States)
	default:
		return nil, fmt.Errorf("unknown view %q", v.view)
	}
	if err != nil {
		return nil, err
	}
	if len(fs) == 0 {
		fs = []*data.Frame{data.NewFrame("trace " + v.view)}
		frames.AddNotice(fs[0], data.NoticeSeverityInfo, "this trace has nothing for this view")
	}
	frames.AddNotice(fs[0], data.NoticeSeverityInfo, fmt.Sprintf("execution trace of %v (Go 1.%d trace format)", res.Duration().Round(time.Microsecond), res.Format))
	var notices []string
	if res.Warning != "" {
		notices = append(notices, res.Warning)
	}
	if res.SpansDropped > 0 && (v.view == "regions" || v.view == "tasks") {
		notices = append(notices, fmt.Sprintf("%d regions and tasks past the first %d are not shown", res.SpansDropped, len(res.Regions)+len(res.Tasks)))
	}
	return withNotices(fs, notices), nil
}

// blocking builds the flame graph or top table of time off the CPU; with
// several kinds, the flame graph has one node per kind under its root.
func (v *traceView) blocking(res *traces.Result, o frames.Origin) ([]*data.Frame, error) {
	p := res.Profile(v.kinds...)
	opts := profiles.Options{SampleType: "delay", Focus: v.raw.Include, Ignore: v.raw.Exclude, MaxNodes: v.maxNodes}
	if v.raw.HideSystem {
		opts.Hide = `^runtime\.`
	}
	if v.view == "top" {
		t, err := profiles.Top(p, opts)
		if err != nil {
			return nil, err
		}
		return []*data.Frame{frames.Top(t, o)}, nil
	}
	if len(v.kinds) > 1 {
		opts.GroupBy = traces.KindLabel
	}
	t, err := profiles.Tree(p, opts)
	if err != nil {
		return nil, err
	}
	return []*data.Frame{frames.FlameGraph(t, o)}, nil
}
