package traces

import (
	"strings"
	"time"

	"golang.org/x/exp/trace"

	"github.com/goscope/pprof/pkg/waitstates"
)

// The state of a goroutine in a trace is put in the categories of
// pkg/waitstates, the ones goroutine dumps use, so a trace and a dump of the
// same moment count alike. Waiting goroutines are classed by the trace's
// block reason; where it is ambiguous ("sync" is a mutex or a WaitGroup,
// "forever" a select{} or a nil channel) or absent (a goroutine already
// blocked when the trace began), by the functions on its stack.

// categoryOf returns the category of a goroutine entering state to.
func categoryOf(to trace.GoState, reason string, frames func() []Frame) waitstates.Category {
	switch to {
	case trace.GoRunning:
		return waitstates.Running
	case trace.GoRunnable:
		return waitstates.Runnable
	case trace.GoSyscall:
		return waitstates.Syscall
	case trace.GoWaiting:
	default:
		return waitstates.Unknown
	}
	switch reason {
	case "network":
		return waitstates.IO
	case "select":
		return waitstates.Select
	case "chan send", "chan receive":
		return waitstates.Channel
	case "sync.(*Cond).Wait":
		return waitstates.Sync
	case "sleep":
		return waitstates.Sleep
	case "system goroutine wait", "GC mark assist wait for work", "GC background sweeper wait",
		"wait until GC ends", "GC weak to strong wait":
		return waitstates.Runtime
	case "sync":
		if c, ok := categoryFromStack(frames()); ok {
			return c
		}
		return waitstates.Lock
	case "forever", "":
		if c, ok := categoryFromStack(frames()); ok {
			return c
		}
		if reason == "" {
			return waitstates.Unknown
		}
	}
	return waitstates.Other
}

// categoryFromStack reads the category off the innermost frame that tells
// it.
func categoryFromStack(frames []Frame) (waitstates.Category, bool) {
	for _, f := range frames {
		fn := f.Function
		switch {
		case fn == "runtime.selectgo" || fn == "runtime.block":
			return waitstates.Select, true
		case strings.HasPrefix(fn, "runtime.chanrecv") || strings.HasPrefix(fn, "runtime.chansend"):
			return waitstates.Channel, true
		case fn == "internal/poll.runtime_pollWait":
			return waitstates.IO, true
		case fn == "time.Sleep":
			return waitstates.Sleep, true
		case fn == "sync.(*Cond).Wait" || fn == "sync.runtime_notifyListWait":
			return waitstates.Sync, true
		}
		if c, ok := waitstates.FromFrame(fn); ok {
			return c, true
		}
	}
	return waitstates.Unknown, false
}

// IsSystem reports whether a goroutine that started in function entry is
// one of the runtime's own, as `go tool trace` decides it (a goroutine whose
// start is unknown counts as one).
func IsSystem(entry string) bool {
	return entry == "" || entry != "runtime.main" && strings.HasPrefix(entry, "runtime.")
}

// numCategories is the size of arrays indexed by waitstates.Category.
const numCategories = int(waitstates.Other) + 1

// StateSeries are the goroutines in each state over the trace: for each
// bucket of Width nanoseconds from Start, the mean number of goroutines in
// the state (the exact integral of the count over the bucket divided by its
// width; the last bucket is divided by the part of it the trace covers).
type StateSeries struct {
	Start int64
	Width int64
	// User and System are indexed by waitstates.Category, then bucket;
	// System counts the runtime's goroutines.
	User, System [numCategories][]float64
	// Assist is the mean number of goroutines doing GC mark assists, which
	// overlaps the states (an assisting goroutine is running).
	Assist []float64
}

// Buckets is the number of buckets.
func (s *StateSeries) Buckets() int { return len(s.Assist) }

// Counts is the number of goroutines in each state at one instant.
type Counts struct {
	At     int64
	User   [numCategories]int
	System [numCategories]int
}

// series indices: user categories, system categories, assists.
const (
	systemOffset = numCategories
	assistSeries = 2 * numCategories
	numSeries    = assistSeries + 1
)

// integrals accumulates count × time per bucket for every series, exactly:
// each series' count is spread over the time it held.
type integrals struct {
	start, width int64
	maxBuckets   int
	count        [numSeries]int64
	last         [numSeries]int64
	sum          [numSeries][]float64
}

func (in *integrals) init(start, width int64, maxBuckets int) {
	in.start, in.width, in.maxBuckets = start, width, maxBuckets
	for i := range in.last {
		in.last[i] = start
	}
}

// add changes a series' count by delta at time t.
func (in *integrals) add(series int, delta int64, t int64) {
	in.spread(series, in.last[series], t, in.count[series])
	in.last[series] = t
	in.count[series] += delta
}

// backdate counts one more in a series over [from, t), for a goroutine the
// trace names at t but which was already in that state at from.
func (in *integrals) backdate(series int, from, t int64) {
	in.add(series, 0, t)
	in.spread(series, from, t, 1)
}

func (in *integrals) spread(series int, from, to, count int64) {
	if count == 0 || to <= from {
		return
	}
	in.grow(to)
	for b := (from - in.start) / in.width; ; b++ {
		lo := in.start + b*in.width
		hi := lo + in.width
		s, e := max(lo, from), min(hi, to)
		in.sum[series][b] += float64(count) * float64(e-s)
		if hi >= to {
			return
		}
	}
}

// grow makes room for buckets up to time t, doubling the bucket width
// while more than maxBuckets would be needed (adjacent buckets merge
// exactly).
func (in *integrals) grow(t int64) {
	need := int((t-in.start-1)/in.width) + 1
	for need > in.maxBuckets {
		in.width *= 2
		for i := range in.sum {
			s := in.sum[i]
			for j := 0; j < len(s); j += 2 {
				v := s[j]
				if j+1 < len(s) {
					v += s[j+1]
				}
				s[j/2] = v
			}
			in.sum[i] = s[:(len(s)+1)/2]
		}
		need = int((t-in.start-1)/in.width) + 1
	}
	for i := range in.sum {
		for len(in.sum[i]) < need {
			in.sum[i] = append(in.sum[i], 0)
		}
	}
}

func (in *integrals) series(end int64) *StateSeries {
	for i := range in.count {
		in.add(i, 0, end)
	}
	in.grow(end)
	s := &StateSeries{Start: in.start, Width: in.width}
	mean := func(sum []float64) []float64 {
		out := make([]float64, len(sum))
		for b, v := range sum {
			lo := in.start + int64(b)*in.width
			w := min(in.width, end-lo)
			if w > 0 {
				out[b] = v / float64(w)
			}
		}
		return out
	}
	for c := range numCategories {
		s.User[c] = mean(in.sum[c])
		s.System[c] = mean(in.sum[systemOffset+c])
	}
	s.Assist = mean(in.sum[assistSeries])
	return s
}

// Resolutions of the state series: the panel's interval when the trace
// holds at least minPanelBuckets of them, else one fitted to the trace (a
// 10 s flight recording in a dashboard over 6 h would otherwise be one
// point), starting at fineBucket and doubled up to the bucket limit.
const (
	minPanelBuckets = 50
	fineBucket      = int64(time.Microsecond)
)

type resolutions struct {
	panel, fine integrals
	withPanel   bool
}

func (r *resolutions) init(start, panelWidth int64, maxBuckets int) {
	r.fine.init(start, fineBucket, maxBuckets)
	if panelWidth > 0 {
		r.withPanel = true
		r.panel.init(start, panelWidth, maxBuckets)
	}
}

func (r *resolutions) add(series int, delta, t int64) {
	r.fine.add(series, delta, t)
	if r.withPanel {
		r.panel.add(series, delta, t)
	}
}

func (r *resolutions) backdate(series int, from, t int64) {
	r.fine.backdate(series, from, t)
	if r.withPanel {
		r.panel.backdate(series, from, t)
	}
}

func (r *resolutions) count(series int) int64 { return r.fine.count[series] }

func (r *resolutions) series(end int64) *StateSeries {
	if r.withPanel {
		if s := r.panel.series(end); s.Buckets() >= minPanelBuckets {
			return s
		}
	}
	return r.fine.series(end)
}
