package traces

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"golang.org/x/exp/trace"

	"github.com/goscope/pprof/pkg/waitstates"
)

// Options shape an analysis. The zero value is usable.
type Options struct {
	// Bucket is the width of the state series' buckets, the panel's
	// interval. It is doubled while the trace would need more than
	// MaxBuckets; when the trace holds fewer than 50, or Bucket is zero,
	// the width is fitted to the trace instead (the finest power-of-two
	// number of microseconds within MaxBuckets).
	Bucket time.Duration
	// MaxBuckets bounds the state series (2000 if zero).
	MaxBuckets int
	// Instants are trace clock times (nanoseconds, as trace.Time) at which
	// to count the goroutines in each state exactly.
	Instants []int64
	// Timeline lists the goroutines whose state changes are recorded.
	Timeline map[uint64]bool
	// MaxTimelineChanges bounds the recorded state changes (100000 if
	// zero); past it each goroutine's timeline stops and says so.
	MaxTimelineChanges int
	// TopGoroutines is how many goroutines keep their own statistics (the
	// ones that waited longest); the others count only in their group.
	TopGoroutines int
	// MaxSpans bounds the regions and tasks kept (100000 if zero); past it
	// they are counted only.
	MaxSpans int
	// Semantics selects the `go tool trace` release blocking profiles
	// agree with.
	Semantics Semantics
	// MaxGenerationBytes bounds one generation of the trace
	// (DefaultMaxGenerationBytes if zero).
	MaxGenerationBytes int64
}

func (o *Options) defaults() {
	if o.MaxBuckets <= 0 {
		o.MaxBuckets = 2000
	}
	if o.MaxTimelineChanges <= 0 {
		o.MaxTimelineChanges = 100000
	}
	if o.MaxSpans <= 0 {
		o.MaxSpans = 100000
	}
}

// Result is what one pass over a trace found.
type Result struct {
	// Format is the minor Go version the trace's format names (22, 23, 25
	// or 26).
	Format int
	// Start and End are the trace clock times of the first and last
	// events.
	Start, End int64
	// Wall is the wall-clock time of trace clock time WallAt, from the
	// trace's clock snapshot (traces of Go 1.25 and later); zero otherwise.
	Wall   time.Time
	WallAt int64
	Events int64
	// Warning says the trace ended early (truncated or damaged) and what
	// was read.
	Warning string

	States *StateSeries
	At     []Counts

	Stacks   *Stacks
	Blocking map[Kind][]Blocked

	// Groups are per start function, heaviest first; Goroutines the
	// TopGoroutines that waited longest.
	Groups     []GoroutineStats
	Goroutines []GoroutineStats
	Timelines  []Timeline

	Regions, Tasks []Span
	// SpansDropped counts regions and tasks past MaxSpans; SpansOpen those
	// that began or ended outside the trace (their length is unknown).
	SpansDropped, SpansOpen int

	Periods []Period
	Metrics []Metric
}

// Duration is the length of the trace.
func (r *Result) Duration() time.Duration { return time.Duration(r.End - r.Start) }

// WallTime maps a trace clock time to the wall clock. Without a clock
// snapshot in the trace, end is taken as the wall time of the trace's end
// (the capture time of the file).
func (r *Result) WallTime(t int64, end time.Time) time.Time {
	if !r.Wall.IsZero() {
		return r.Wall.Add(time.Duration(t - r.WallAt))
	}
	return end.Add(-time.Duration(r.End - t))
}

// TraceTime maps a wall-clock time to the trace clock, the inverse of
// WallTime.
func (r *Result) TraceTime(w time.Time, end time.Time) int64 {
	if !r.Wall.IsZero() {
		return r.WallAt + int64(w.Sub(r.Wall))
	}
	return r.End - int64(end.Sub(w))
}

// GoroutineStats is where a goroutine, or a group of goroutines with the
// same start function, spent its time in the trace, as `go tool trace`'s
// goroutine analysis reports it.
type GoroutineStats struct {
	// ID is the goroutine's (0 for a group).
	ID uint64
	// Name is the start function, "" when no stack of the goroutine was
	// seen.
	Name string
	// CreatedBy is the function that started the goroutine, when the
	// trace saw it start.
	CreatedBy string
	Count     int
	// Time in each state; Block by the waitstates category of the reason.
	Exec, SchedWait, Syscall, SyscallBlock time.Duration
	Block                                  [numCategories]time.Duration
	// Assist and Sweep are the times in GC mark assists and sweeps, which
	// overlap the states.
	Assist, Sweep time.Duration
	// Total is the time the goroutine was in the trace.
	Total time.Duration
	// State is the goroutine's state category at the end of the trace
	// (per goroutine only; waitstates.Unknown once it exited).
	State waitstates.Category
	Ended bool
}

// Waited is the time spent waiting on the program's own work: locks,
// channels, selects, I/O, system calls and the scheduler (not sleeps or the
// runtime's own waits).
func (s *GoroutineStats) Waited() time.Duration {
	d := s.SchedWait + s.Syscall + s.SyscallBlock
	for _, c := range []waitstates.Category{waitstates.IO, waitstates.Lock, waitstates.Channel, waitstates.Select, waitstates.Sync, waitstates.Other} {
		d += s.Block[c]
	}
	return d
}

func (s *GoroutineStats) add(o *GoroutineStats) {
	s.Count += o.Count
	s.Exec += o.Exec
	s.SchedWait += o.SchedWait
	s.Syscall += o.Syscall
	s.SyscallBlock += o.SyscallBlock
	for i := range s.Block {
		s.Block[i] += o.Block[i]
	}
	s.Assist += o.Assist
	s.Sweep += o.Sweep
	s.Total += o.Total
}

// Timeline is one goroutine's states over the trace.
type Timeline struct {
	ID   uint64
	Name string
	// Changes are in time order; each state holds until the next change.
	Changes []Change
	// Truncated says MaxTimelineChanges cut the timeline short.
	Truncated bool
}

// Change is a goroutine entering a state: "running", "runnable",
// "syscall", "waiting: REASON", "exited".
type Change struct {
	At       int64
	State    string
	Category waitstates.Category
}

// Span is a region or task of the program's runtime/trace annotations.
type Span struct {
	Name      string
	Goroutine uint64
	Start     int64
	Duration  time.Duration
}

// Period is a GC mark phase or a stop-the-world pause.
type Period struct {
	Start, End int64
	// Kind is "GC" or "STW"; Text names it ("stop-the-world (gc)").
	Kind, Text string
}

// Metric is a runtime metric the trace samples ("/memory/classes/heap/objects:bytes",
// "/gc/heap/goal:bytes", "/sched/gomaxprocs:threads").
type Metric struct {
	Name   string
	Times  []int64
	Values []float64
}

// maxPeriods and maxMetricPoints bound what a trace of any length keeps
// (a real program has a GC cycle at most every few milliseconds).
const (
	maxPeriods      = 100000
	maxMetricPoints = 100000
)

// ErrMalformed is wrapped by the error for a trace whose content the trace
// reader fails on.
var ErrMalformed = errors.New("malformed execution trace")

// Analyze reads a trace in one pass.
func Analyze(r io.Reader, opts Options) (res *Result, err error) {
	// golang.org/x/exp/trace panics on some malformed input (an index out
	// of range in a damaged table); the damage is the input's, so it is
	// reported as such and the caller goes on serving.
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%w: the trace reader failed on it (%v)", ErrMalformed, p)
		}
	}()
	opts.defaults()
	er, err := newEventReader(r, opts.MaxGenerationBytes)
	if err != nil {
		return nil, err
	}
	a := newAnalyzer(er.version, &opts)
	lastWasSync := false
	for {
		ev, err := er.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			err = er.cause(err)
			if errors.Is(err, errGenerationTooLarge) {
				return nil, err
			}
			if a.transitions == 0 {
				return nil, fmt.Errorf("reading the Go 1.%d trace: %w", er.version, err)
			}
			a.res.Warning = damageWarning(err, lastWasSync, time.Duration(a.last-a.res.Start))
			break
		}
		lastWasSync = ev.Kind() == trace.EventSync
		a.event(&ev)
	}
	if a.transitions == 0 {
		return nil, fmt.Errorf("%w: the Go 1.%d trace holds no goroutine events", ErrNotTrace, er.version)
	}
	return a.finish(), nil
}

func damageWarning(err error, atBoundary bool, read time.Duration) string {
	if atBoundary {
		return fmt.Sprintf("the trace is cut short (%v); the %v up to its last complete generation are shown", err, read)
	}
	return fmt.Sprintf("the trace is damaged (%v); the %v before the damage are shown, including part of a generation `go tool trace` would drop", err, read)
}

type analyzer struct {
	opts     *Options
	res      Result
	stacks   *Stacks
	gs       map[trace.GoID]*goroutine
	in       resolutions
	blocking blocking
	// syscallP binds a P to the goroutine in a syscall on it, to see the
	// P taken away (a blocking syscall).
	syscallP map[trace.ProcID]trace.GoID
	// sweepP attributes a P's sweep to the goroutine that began it.
	sweepP         map[trace.ProcID]trace.GoID
	groups         map[string]*GoroutineStats
	top            []GoroutineStats
	tasks          map[trace.TaskID]openSpan
	gcOpen         int64
	stwOpen        map[trace.GoID]openSpan
	metrics        map[string]*Metric
	timelineBudget int
	syncTs, last   int64
	instants       []int64
	// transitions counts goroutine state transitions: a trace without
	// any says nothing.
	transitions int64
}

type openSpan struct {
	name  string
	start int64
}

// goroutine is what is kept of a live goroutine.
type goroutine struct {
	id      trace.GoID
	stats   GoroutineStats
	state   trace.GoState
	reason  string
	cat     waitstates.Category
	system  bool
	counted bool
	// backdate says the goroutine was named at a generation's start and
	// was in its first state since then.
	backdate  bool
	since     int64
	started   bool
	startTime int64
	ended     bool
	endTime   int64
	// syscallBlocked is when the goroutine's P was taken away during its
	// current syscall.
	syscallBlocked int64
	assistSince    int64
	sweepSince     int64
	track          [numKinds]tracker
	pending        []pendingInterval
	regions        []openSpan
	timeline       *Timeline
}

func newAnalyzer(format int, opts *Options) *analyzer {
	a := &analyzer{
		opts:           opts,
		stacks:         newStacks(),
		gs:             make(map[trace.GoID]*goroutine),
		syscallP:       make(map[trace.ProcID]trace.GoID),
		sweepP:         make(map[trace.ProcID]trace.GoID),
		groups:         make(map[string]*GoroutineStats),
		tasks:          make(map[trace.TaskID]openSpan),
		stwOpen:        make(map[trace.GoID]openSpan),
		metrics:        make(map[string]*Metric),
		timelineBudget: opts.MaxTimelineChanges,
		gcOpen:         -1,
		instants:       slices.Sorted(slices.Values(opts.Instants)),
	}
	a.res.Format = format
	a.blocking = blocking{rules: rulesFor(opts.Semantics, format), byKey: make(map[blockKey]int)}
	return a
}

func (a *analyzer) event(ev *trace.Event) {
	t := int64(ev.Time())
	if a.res.Events == 0 {
		a.res.Start, a.syncTs = t, t
		a.in.init(t, int64(a.opts.Bucket), a.opts.MaxBuckets)
	}
	a.res.Events++
	for len(a.instants) > 0 && a.instants[0] < t {
		a.res.At = append(a.res.At, a.counts(a.instants[0]))
		a.instants = a.instants[1:]
	}
	a.last = t
	switch ev.Kind() {
	case trace.EventSync:
		a.syncTs = t
		a.stacks.newGeneration()
		if cs := ev.Sync().ClockSnapshot; cs != nil && a.res.Wall.IsZero() {
			a.res.Wall, a.res.WallAt = cs.Wall, int64(cs.Trace)
		}
	case trace.EventStateTransition:
		st := ev.StateTransition()
		switch st.Resource.Kind {
		case trace.ResourceGoroutine:
			a.transitions++
			a.goroutineTransition(ev, &st, t)
		case trace.ResourceProc:
			a.procTransition(&st, t)
		}
	case trace.EventRangeBegin, trace.EventRangeActive, trace.EventRangeEnd:
		a.rangeEvent(ev, t)
	case trace.EventRegionBegin, trace.EventRegionEnd:
		a.regionEvent(ev, t)
	case trace.EventTaskBegin, trace.EventTaskEnd:
		a.taskEvent(ev, t)
	case trace.EventMetric:
		a.metric(ev, t)
	}
}

func (a *analyzer) counts(at int64) Counts {
	c := Counts{At: at}
	for i := range numCategories {
		c.User[i] = int(a.in.count(i))
		c.System[i] = int(a.in.count(systemOffset + i))
	}
	return c
}

func (a *analyzer) seriesOf(g *goroutine) int {
	if g.system {
		return systemOffset + int(g.cat)
	}
	return int(g.cat)
}

func (a *analyzer) goroutineTransition(ev *trace.Event, st *trace.StateTransition, t int64) {
	id := st.Resource.Goroutine()
	from, to := st.Goroutine()
	g := a.gs[id]
	if g == nil {
		g = &goroutine{id: id, since: t, system: true}
		g.stats.ID, g.stats.Count = uint64(id), 1
		if from == trace.GoUndetermined {
			// Named at a generation's start: it was in this state since.
			g.since, g.backdate = a.syncTs, true
		}
		if from == trace.GoNotExist {
			if s := ev.Stack(); s != trace.NoStack {
				if f := a.stacks.Frames(a.stacks.intern(s)); len(f) > 0 {
					g.stats.CreatedBy = f[0].Function
				}
			}
		}
		if a.opts.Timeline[uint64(id)] {
			g.timeline = &Timeline{ID: uint64(id)}
		}
		a.gs[id] = g
	}
	var frames []Frame
	framesOf := func() []Frame {
		if frames == nil {
			s := st.Stack
			if s == trace.NoStack {
				s = ev.Stack()
			}
			frames = a.stacks.Frames(a.stacks.intern(s))
		}
		return frames
	}
	if g.stats.Name == "" && st.Stack != trace.NoStack {
		a.name(g, st, t)
	}
	if from != to {
		a.leave(g, t)
		if !g.backdate {
			g.since = t
		}
		if to == trace.GoRunning && !g.started {
			g.started, g.startTime = true, t
			g.pending = nil
		}
		g.state, g.reason = to, st.Reason
		a.enter(g, categoryOf(to, st.Reason, framesOf), t)
		if to == trace.GoSyscall {
			a.syscallP[ev.Proc()] = id
		}
		if to == trace.GoNotExist || to == trace.GoWaiting && st.Reason == "forever" {
			g.ended, g.endTime = true, t
			if !g.started {
				a.settlePending(g, t)
			}
		}
	} else if g.cat == waitstates.Unknown && to == trace.GoWaiting && st.Stack != trace.NoStack {
		// A later generation's status with a stack tells what an
		// earlier one did not.
		a.enter(g, categoryOf(to, "", framesOf), t)
	}
	a.trackBlocking(g, to, st.Reason, t, ev)
	if to == trace.GoNotExist {
		a.exit(g, t)
	}
}

// name sets the goroutine's start function from the outermost frame of a
// stack of its own, as `go tool trace` does.
func (a *analyzer) name(g *goroutine, st *trace.StateTransition, t int64) {
	f := a.stacks.Frames(a.stacks.intern(st.Stack))
	if len(f) == 0 {
		return
	}
	g.stats.Name = f[len(f)-1].Function
	if g.timeline != nil {
		g.timeline.Name = g.stats.Name
	}
	if system := IsSystem(g.stats.Name); system != g.system && g.counted {
		a.in.add(a.seriesOf(g), -1, t)
		g.system = system
		a.in.add(a.seriesOf(g), 1, t)
	}
	g.system = IsSystem(g.stats.Name)
}

// leave accounts the time spent in the goroutine's current state.
func (a *analyzer) leave(g *goroutine, t int64) {
	if !g.counted {
		return
	}
	d := time.Duration(t - g.since)
	switch g.state {
	case trace.GoRunning:
		g.stats.Exec += d
	case trace.GoRunnable:
		g.stats.SchedWait += d
	case trace.GoWaiting:
		g.stats.Block[g.cat] += d
	case trace.GoSyscall:
		if g.syscallBlocked != 0 {
			g.stats.SyscallBlock += time.Duration(t - g.syscallBlocked)
			g.stats.Syscall += time.Duration(g.syscallBlocked - g.since)
		} else {
			g.stats.Syscall += d
		}
		g.syscallBlocked = 0
		for p, id := range a.syscallP {
			if id == g.id {
				delete(a.syscallP, p)
			}
		}
	}
	g.stats.Total += d
	a.in.add(a.seriesOf(g), -1, t)
	g.counted = false
}

// enter puts the goroutine in a state category from time t, or, for a
// goroutine named at a generation's start, from that start.
func (a *analyzer) enter(g *goroutine, c waitstates.Category, t int64) {
	if g.counted {
		a.in.add(a.seriesOf(g), -1, t)
		g.counted = false
	}
	g.cat = c
	if g.state == trace.GoNotExist || g.state == trace.GoUndetermined {
		a.recordChange(g, t, "exited")
		return
	}
	from := t
	if g.backdate {
		from, g.backdate = g.since, false
		a.in.backdate(a.seriesOf(g), from, t)
	}
	a.in.add(a.seriesOf(g), 1, t)
	g.counted = true
	a.recordChange(g, from, stateLabel(g))
}

func stateLabel(g *goroutine) string {
	switch g.state {
	case trace.GoRunning:
		return "running"
	case trace.GoRunnable:
		return "runnable"
	case trace.GoSyscall:
		return "syscall"
	}
	if g.reason == "" {
		return "waiting: " + g.cat.String()
	}
	return "waiting: " + g.reason
}

func (a *analyzer) recordChange(g *goroutine, t int64, state string) {
	tl := g.timeline
	if tl == nil || tl.Truncated {
		return
	}
	if n := len(tl.Changes); n > 0 && tl.Changes[n-1].State == state && tl.Changes[n-1].Category == g.cat {
		return
	}
	if a.timelineBudget == 0 {
		tl.Truncated = true
		return
	}
	a.timelineBudget--
	tl.Changes = append(tl.Changes, Change{At: t, State: state, Category: g.cat})
}

// exit folds an exited goroutine into its group and forgets it.
func (a *analyzer) exit(g *goroutine, t int64) {
	a.endRanges(g, t)
	g.stats.Ended = true
	g.stats.State = waitstates.Unknown
	a.fold(g)
	delete(a.gs, g.id)
}

func (a *analyzer) endRanges(g *goroutine, t int64) {
	if g.assistSince != 0 {
		g.stats.Assist += time.Duration(t - g.assistSince)
		g.assistSince = 0
		a.in.add(assistSeries, -1, t)
	}
}

func (a *analyzer) fold(g *goroutine) {
	grp := a.groups[g.stats.Name]
	if grp == nil {
		grp = &GoroutineStats{Name: g.stats.Name}
		a.groups[g.stats.Name] = grp
	}
	grp.add(&g.stats)
	if g.timeline != nil {
		a.res.Timelines = append(a.res.Timelines, *g.timeline)
	}
	if a.opts.TopGoroutines <= 0 {
		return
	}
	a.top = append(a.top, g.stats)
	if len(a.top) > 2*a.opts.TopGoroutines {
		a.trimTop()
	}
}

func (a *analyzer) trimTop() {
	slices.SortStableFunc(a.top, func(x, y GoroutineStats) int {
		if c := -cmp.Compare(x.Waited(), y.Waited()); c != 0 {
			return c
		}
		return cmp.Compare(x.ID, y.ID)
	})
	if len(a.top) > a.opts.TopGoroutines {
		a.top = a.top[:a.opts.TopGoroutines]
	}
}

func (a *analyzer) procTransition(st *trace.StateTransition, t int64) {
	from, to := st.Proc()
	if from == to || to != trace.ProcIdle {
		return
	}
	p := st.Resource.Proc()
	if id, ok := a.syscallP[p]; ok {
		if g := a.gs[id]; g != nil && g.state == trace.GoSyscall {
			g.syscallBlocked = t
		}
		delete(a.syscallP, p)
	}
}

func (a *analyzer) rangeEvent(ev *trace.Event, t int64) {
	r := ev.Range()
	begin := ev.Kind() != trace.EventRangeEnd
	switch r.Name {
	case "GC concurrent mark phase":
		if begin {
			if a.gcOpen < 0 {
				a.gcOpen = t
			}
			return
		}
		if a.gcOpen >= 0 {
			a.period(Period{Start: a.gcOpen, End: t, Kind: "GC", Text: "GC concurrent mark phase"})
		}
		a.gcOpen = -1
	case "GC mark assist":
		g := a.gs[r.Scope.Goroutine()]
		if g == nil {
			return
		}
		if begin {
			if g.assistSince == 0 {
				g.assistSince = t
				a.in.add(assistSeries, 1, t)
			}
			return
		}
		a.endRanges(g, t)
	case "GC incremental sweep":
		p := r.Scope.Proc()
		if begin {
			if g := a.gs[ev.Goroutine()]; g != nil {
				a.sweepP[p] = g.id
				g.sweepSince = t
			}
			return
		}
		if id, ok := a.sweepP[p]; ok && id == ev.Goroutine() {
			if g := a.gs[id]; g != nil && g.sweepSince != 0 {
				g.stats.Sweep += time.Duration(t - g.sweepSince)
				g.sweepSince = 0
			}
		}
		delete(a.sweepP, p)
	default:
		if r.Scope.Kind != trace.ResourceGoroutine || len(r.Name) < 14 || r.Name[:14] != "stop-the-world" {
			return
		}
		id := r.Scope.Goroutine()
		if begin {
			a.stwOpen[id] = openSpan{name: r.Name, start: t}
			return
		}
		if o, ok := a.stwOpen[id]; ok {
			a.period(Period{Start: o.start, End: t, Kind: "STW", Text: o.name})
			delete(a.stwOpen, id)
		}
	}
}

func (a *analyzer) period(p Period) {
	if len(a.res.Periods) < maxPeriods {
		a.res.Periods = append(a.res.Periods, p)
	}
}

func (a *analyzer) regionEvent(ev *trace.Event, t int64) {
	g := a.gs[ev.Goroutine()]
	if g == nil {
		return
	}
	name := ev.Region().Type
	if ev.Kind() == trace.EventRegionBegin {
		g.regions = append(g.regions, openSpan{name: name, start: t})
		return
	}
	n := len(g.regions)
	if n == 0 {
		a.res.SpansOpen++
		return
	}
	o := g.regions[n-1]
	g.regions = g.regions[:n-1]
	a.res.Regions = a.span(a.res.Regions, Span{Name: o.name, Goroutine: uint64(g.id), Start: o.start, Duration: time.Duration(t - o.start)})
}

func (a *analyzer) taskEvent(ev *trace.Event, t int64) {
	task := ev.Task()
	if ev.Kind() == trace.EventTaskBegin {
		a.tasks[task.ID] = openSpan{name: task.Type, start: t}
		return
	}
	o, ok := a.tasks[task.ID]
	if !ok {
		a.res.SpansOpen++
		return
	}
	delete(a.tasks, task.ID)
	a.res.Tasks = a.span(a.res.Tasks, Span{Name: o.name, Goroutine: uint64(ev.Goroutine()), Start: o.start, Duration: time.Duration(t - o.start)})
}

func (a *analyzer) span(to []Span, s Span) []Span {
	if len(a.res.Regions)+len(a.res.Tasks) >= a.opts.MaxSpans {
		a.res.SpansDropped++
		return to
	}
	return append(to, s)
}

func (a *analyzer) metric(ev *trace.Event, t int64) {
	m := ev.Metric()
	if m.Value.Kind() != trace.ValueUint64 {
		return
	}
	s := a.metrics[m.Name]
	if s == nil {
		s = &Metric{Name: m.Name}
		a.metrics[m.Name] = s
	}
	if len(s.Times) < maxMetricPoints {
		s.Times = append(s.Times, t)
		s.Values = append(s.Values, float64(m.Value.Uint64()))
	}
}

func (a *analyzer) finish() *Result {
	end := a.last
	a.res.End = end
	for len(a.instants) > 0 {
		a.res.At = append(a.res.At, a.counts(a.instants[0]))
		a.instants = a.instants[1:]
	}
	ids := slices.Sorted(maps.Keys(a.gs))
	for _, id := range ids {
		g := a.gs[id]
		if !g.started && !g.ended {
			a.settlePending(g, end)
		}
		state := g.cat
		a.leave(g, end)
		a.endRanges(g, end)
		g.stats.State = state
		if g.state == trace.GoNotExist {
			g.stats.State = waitstates.Unknown
		}
		a.fold(g)
	}
	if a.gcOpen >= 0 {
		a.period(Period{Start: a.gcOpen, End: end, Kind: "GC", Text: "GC concurrent mark phase (ongoing at the end of the trace)"})
	}
	a.res.States = a.in.series(end)
	a.res.Stacks = a.stacks
	a.res.Blocking = make(map[Kind][]Blocked)
	for i, b := range a.blocking.out {
		k := a.blocking.kinds[i]
		a.res.Blocking[k] = append(a.res.Blocking[k], b)
	}
	for _, grp := range a.groups {
		a.res.Groups = append(a.res.Groups, *grp)
	}
	slices.SortFunc(a.res.Groups, func(x, y GoroutineStats) int {
		if c := -cmp.Compare(x.Total-x.Exec, y.Total-y.Exec); c != 0 {
			return c
		}
		if x.Name < y.Name {
			return -1
		}
		if x.Name > y.Name {
			return 1
		}
		return 0
	})
	if a.opts.TopGoroutines > 0 {
		a.trimTop()
		a.res.Goroutines = a.top
	}
	slices.SortFunc(a.res.Timelines, func(x, y Timeline) int { return cmp.Compare(x.ID, y.ID) })
	for _, name := range slices.Sorted(maps.Keys(a.metrics)) {
		a.res.Metrics = append(a.res.Metrics, *a.metrics[name])
	}
	return &a.res
}
