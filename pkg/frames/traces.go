package frames

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/traces"
	"github.com/goscope/pprof/pkg/waitstates"
)

// TraceClock maps a trace's clock to wall time: from the trace's own clock
// snapshot (Go 1.25+), else with the end of the trace at the capture time.
type TraceClock struct {
	Result *traces.Result
	End    time.Time
}

func (c TraceClock) at(t int64) time.Time { return c.Result.WallTime(t, c.End) }

// TraceStates returns goroutines per state over the trace as data plane
// time series (one per state, labelled state=ID, plus "GC mark assist"):
// the mean count in each bucket, exact from the state transitions.
func TraceStates(o Origin, c TraceClock, states *traces.StateSeries, keep func(waitstates.Category) bool, withSystem bool) []*data.Frame {
	times := make([]time.Time, states.Buckets())
	for b := range times {
		times[b] = c.at(states.Start + int64(b)*states.Width)
	}
	var series []Series
	for _, cat := range append([]waitstates.Category{waitstates.Unknown}, waitstates.Categories()...) {
		if !keep(cat) {
			continue
		}
		values := slices.Clone(states.User[cat])
		if withSystem {
			for b, v := range states.System[cat] {
				values[b] += v
			}
		}
		if cat == waitstates.Unknown && isZero(values) {
			continue
		}
		series = append(series, Series{Name: "goroutines", Labels: o.FieldLabelsWith("state", cat.String()), Times: times, Values: values, Unit: "short"})
	}
	series = append(series, Series{Name: "goroutines", Labels: o.FieldLabelsWith("state", "gc-assist"), Times: times, Values: states.Assist, Unit: "short"})
	out := TimeSeriesMulti(series)
	for _, f := range out {
		f.Fields[1].Config.DisplayNameFromDS = f.Fields[1].Labels["state"]
		f.Fields[1].Config.Interval = float64(states.Width) / float64(time.Millisecond)
	}
	return out
}

// TraceStatesAt returns the goroutines in each state at given instants: a
// table with the instant and one count per state category.
func TraceStatesAt(o Origin, c TraceClock, at []traces.Counts, keep func(waitstates.Category) bool, withSystem bool) *data.Frame {
	times := make([]time.Time, len(at))
	for i, a := range at {
		times[i] = c.at(a.At)
	}
	fields := []*data.Field{data.NewField("At", nil, times)}
	for _, cat := range append([]waitstates.Category{waitstates.Unknown}, waitstates.Categories()...) {
		if !keep(cat) {
			continue
		}
		counts := make([]int64, len(at))
		for i, a := range at {
			counts[i] = int64(a.User[cat])
			if withSystem {
				counts[i] += int64(a.System[cat])
			}
		}
		fields = append(fields, data.NewField(cat.String(), o.FieldLabelsWith("state", cat.String()), counts))
	}
	return goroutineTable(o, "trace states at instants", fields...)
}

func isZero(v []float64) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

// TraceGoroutines returns a table of where goroutines spent their time,
// one row per start function (or per goroutine), as `go tool trace`'s
// goroutine analysis: count, execution, scheduler wait, block time per
// state category, syscall, GC assist and sweep, all in nanoseconds.
func TraceGoroutines(o Origin, rows []traces.GoroutineStats, perGoroutine bool) *data.Frame {
	var (
		id, count                          []int64
		name, createdBy, state             []string
		exec, sched, syscall, syscallBlock []int64
		assist, sweep, total, waited       []int64
		blocked                            = map[waitstates.Category][]int64{}
		blockCats                          = []waitstates.Category{waitstates.IO, waitstates.Lock, waitstates.Channel, waitstates.Select, waitstates.Sync, waitstates.Sleep, waitstates.Runtime, waitstates.Other, waitstates.Unknown}
	)
	for _, r := range rows {
		id = append(id, int64(r.ID))
		count = append(count, int64(r.Count))
		name = append(name, orUnknown(r.Name))
		createdBy = append(createdBy, r.CreatedBy)
		state = append(state, endState(r))
		exec = append(exec, int64(r.Exec))
		sched = append(sched, int64(r.SchedWait))
		syscall = append(syscall, int64(r.Syscall))
		syscallBlock = append(syscallBlock, int64(r.SyscallBlock))
		assist = append(assist, int64(r.Assist))
		sweep = append(sweep, int64(r.Sweep))
		total = append(total, int64(r.Total))
		waited = append(waited, int64(r.Waited()))
		for _, c := range blockCats {
			blocked[c] = append(blocked[c], int64(r.Block[c]))
		}
	}
	ns := func(n string, v []int64) *data.Field { return withFieldUnit(data.NewField(n, nil, v), "ns") }
	var fields []*data.Field
	if perGoroutine {
		fields = append(fields, data.NewField("Goroutine", nil, id))
	}
	fields = append(fields, data.NewField("Start function", nil, name))
	if perGoroutine {
		fields = append(fields, data.NewField("Created by", nil, createdBy), data.NewField("State at end", nil, state))
	} else {
		fields = append(fields, data.NewField("Goroutines", nil, count))
	}
	fields = append(fields, ns("Total", total), ns("Execution", exec), ns("Scheduler wait", sched), ns("Waited", waited),
		ns("Syscall", syscall), ns("Syscall blocked", syscallBlock))
	for _, c := range blockCats {
		fields = append(fields, ns("Block: "+c.Title(), blocked[c]))
	}
	fields = append(fields, ns("GC assist", assist), ns("GC sweep", sweep))
	return goroutineTable(o, "trace goroutines", fields...)
}

func orUnknown(name string) string {
	if name == "" {
		return "(start not in the trace)"
	}
	return name
}

func endState(r traces.GoroutineStats) string {
	if r.Ended {
		return "exited"
	}
	return r.State.String()
}

// TraceTimeline returns one frame per goroutine for Grafana's state
// timeline panel: a time field and a string field whose value is the state
// ("running", "waiting: chan receive") from each time on.
func TraceTimeline(o Origin, c TraceClock, timelines []traces.Timeline) []*data.Frame {
	out := make([]*data.Frame, 0, len(timelines))
	for _, tl := range timelines {
		times := make([]time.Time, 0, len(tl.Changes)+1)
		states := make([]string, 0, len(tl.Changes)+1)
		for _, ch := range tl.Changes {
			times = append(times, c.at(ch.At))
			states = append(states, ch.State)
		}
		if n := len(states); n > 0 && states[n-1] != "exited" {
			times = append(times, c.at(c.Result.End))
			states = append(states, states[n-1])
		}
		display := fmt.Sprintf("G%d %s", tl.ID, orUnknown(tl.Name))
		value := data.NewField("state", o.FieldLabelsWith("goroutine", fmt.Sprint(tl.ID)), states)
		value.Config = &data.FieldConfig{DisplayNameFromDS: display}
		f := data.NewFrame(display, data.NewField("time", nil, times), value)
		if tl.Truncated {
			AddNotice(f, data.NoticeSeverityWarning, "this goroutine changed state more often than the timeline keeps; it stops early")
		}
		out = append(out, f)
	}
	return out
}

// TraceSpans returns regions or tasks: a table with one row per span
// (name, goroutine, start, duration in nanoseconds, for a table or a
// histogram panel) and a summary per name.
func TraceSpans(o Origin, c TraceClock, what string, spans []traces.Span) []*data.Frame {
	names := make([]string, len(spans))
	gs := make([]int64, len(spans))
	starts := make([]time.Time, len(spans))
	durations := make([]int64, len(spans))
	byName := map[string][]int64{}
	for i, s := range spans {
		names[i], gs[i], starts[i], durations[i] = s.Name, int64(s.Goroutine), c.at(s.Start), int64(s.Duration)
		byName[s.Name] = append(byName[s.Name], int64(s.Duration))
	}
	rows := goroutineTable(o, what,
		data.NewField("Name", nil, names),
		data.NewField("Goroutine", nil, gs),
		data.NewField("Start", nil, starts),
		withFieldUnit(data.NewField("Duration", nil, durations), "ns"),
	)
	var (
		sName                                 []string
		sCount, sTotal, sMean, p50, p99, sMax []int64
	)
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range byName {
			if !yield(n) {
				return
			}
		}
	}) {
		d := byName[n]
		slices.Sort(d)
		var sum int64
		for _, v := range d {
			sum += v
		}
		sName = append(sName, n)
		sCount = append(sCount, int64(len(d)))
		sTotal = append(sTotal, sum)
		sMean = append(sMean, sum/int64(len(d)))
		p50 = append(p50, quantile(d, 0.5))
		p99 = append(p99, quantile(d, 0.99))
		sMax = append(sMax, d[len(d)-1])
	}
	ns := func(n string, v []int64) *data.Field { return withFieldUnit(data.NewField(n, nil, v), "ns") }
	summary := goroutineTable(o, what+" summary",
		data.NewField("Name", nil, sName), data.NewField("Count", nil, sCount),
		ns("Total", sTotal), ns("Mean", sMean), ns("p50", p50), ns("p99", p99), ns("Max", sMax))
	if len(spans) == 0 {
		AddNotice(rows, data.NoticeSeverityInfo, fmt.Sprintf("No %s in this trace: the program marks none with runtime/trace (trace.WithRegion, trace.NewTask) while it is traced.", what))
	}
	return []*data.Frame{rows, summary}
}

// quantile is the nearest-rank quantile of sorted values.
func quantile(sorted []int64, q float64) int64 {
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// TracePeriods returns GC mark phases and stop-the-world pauses as
// annotations (time, timeEnd, title, text, tags).
func TracePeriods(c TraceClock, periods []traces.Period) *data.Frame {
	f := data.NewFrame("trace GC and stop-the-world",
		data.NewField("time", nil, []time.Time{}),
		data.NewField("timeEnd", nil, []time.Time{}),
		data.NewField("title", nil, []string{}),
		data.NewField("text", nil, []string{}),
		data.NewField("tags", nil, []string{}),
	)
	for _, p := range periods {
		d := time.Duration(p.End - p.Start)
		f.AppendRow(c.at(p.Start), c.at(p.End), p.Text, fmt.Sprintf("%s for %v", p.Text, d), strings.ToLower(p.Kind))
	}
	return f
}

// TraceMetrics returns the runtime metrics the trace samples and the
// goroutine count (all states) per bucket as time series.
func TraceMetrics(o Origin, c TraceClock, metrics []traces.Metric, states *traces.StateSeries) []*data.Frame {
	var series []Series
	for _, m := range metrics {
		times := make([]time.Time, len(m.Times))
		for i, t := range m.Times {
			times[i] = c.at(t)
		}
		unit := "short"
		if strings.HasSuffix(m.Name, ":bytes") {
			unit = "bytes"
		}
		series = append(series, Series{Name: m.Name, Labels: o.FieldLabels(), Times: times, Values: m.Values, Unit: unit})
	}
	times := make([]time.Time, states.Buckets())
	values := make([]float64, states.Buckets())
	for b := range times {
		times[b] = c.at(states.Start + int64(b)*states.Width)
		for cat := range states.User {
			values[b] += states.User[cat][b] + states.System[cat][b]
		}
	}
	series = append(series, Series{Name: "goroutines", Labels: o.FieldLabels(), Times: times, Values: values, Unit: "short"})
	return TimeSeriesMulti(series)
}
