package traces

import (
	"fmt"
	"strings"

	"golang.org/x/exp/trace"
)

// Kind is a kind of time spent off the CPU, as `go tool trace -pprof=KIND`
// names it.
type Kind uint8

// The kinds.
const (
	// Net is time blocked on the network poller.
	Net Kind = iota
	// Sync is time blocked on channels, selects and sync primitives.
	Sync
	// Syscall is time in system calls.
	Syscall
	// Sched is scheduler latency: from runnable until running.
	Sched
	numKinds
)

var kindNames = [numKinds]string{Net: "net", Sync: "sync", Syscall: "syscall", Sched: "sched"}

func (k Kind) String() string { return kindNames[k] }

// Kinds returns every kind, in order.
func Kinds() []Kind { return []Kind{Net, Sync, Syscall, Sched} }

// ParseKind accepts a kind's name.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if s == n {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("unknown blocking kind %q (want net, sync, syscall or sched)", s)
}

// state is the goroutine state a kind measures.
func (k Kind) state() trace.GoState {
	switch k {
	case Syscall:
		return trace.GoSyscall
	case Sched:
		return trace.GoRunnable
	}
	return trace.GoWaiting
}

// counts reports whether entering the kind's state for this reason starts
// an interval of the kind.
func (k Kind) counts(reason string) bool {
	switch k {
	case Net:
		return reason == "network"
	case Sync:
		return strings.Contains(reason, "chan") || strings.Contains(reason, "sync") || strings.Contains(reason, "select")
	}
	return true
}

// Semantics selects which release of `go tool trace` blocking profiles
// agree with. Both count an interval only where it overlaps the goroutine's
// life from its first run (all of it for a goroutine that never runs), but
// before Go 1.26 `go tool trace -pprof` ignored state transitions that
// carry no stack: such a transition neither starts nor ends an interval,
// so, for example, a runnable interval ended by a GoStart (which has no
// stack) runs on to the goroutine's next event with a stack.
type Semantics uint8

const (
	// WriterSemantics agrees with the `go tool trace` of the Go release
	// that wrote the trace (the release its format names; for Go 1.22
	// traces, Go 1.23's, as Go 1.22's tool makes no profile of its own
	// format from the command line).
	WriterSemantics Semantics = iota
	// LatestSemantics agrees with `go tool trace` of Go 1.26 and 1.27 for
	// every trace.
	LatestSemantics
)

// ParseSemantics accepts "writer" (or empty) and "latest".
func ParseSemantics(s string) (Semantics, error) {
	switch s {
	case "", "writer":
		return WriterSemantics, nil
	case "latest":
		return LatestSemantics, nil
	}
	return 0, fmt.Errorf("unknown reference %q (want writer or latest)", s)
}

type rules struct {
	skipStackless bool
}

func rulesFor(s Semantics, format int) rules {
	if s == LatestSemantics {
		format = newestFormat
	}
	return rules{skipStackless: format < 26}
}

// Blocked is the time spent in one kind of state with one stack: the stack
// of the event that put the goroutine in the state, as `go tool trace`
// attributes it (for sched, that is the event that made the goroutine
// runnable: the unblocking goroutine's stack, the creator's for a new one).
type Blocked struct {
	Stack StackID
	// Count is the number of intervals and Nanos their total length.
	Count int64
	Nanos int64
}

// tracker is one kind's interval of one goroutine.
type tracker struct {
	active bool
	start  int64
	stack  StackID
}

// pendingInterval is an interval of a goroutine that has not run yet;
// whether it counts depends on whether the goroutine ever runs.
type pendingInterval struct {
	kind       Kind
	start, end int64
	stack      StackID
}

// blocking accumulates the four kinds' profiles.
type blocking struct {
	rules rules
	byKey map[blockKey]int
	out   []Blocked
	kinds []Kind
}

type blockKey struct {
	kind  Kind
	stack StackID
}

func (b *blocking) add(k Kind, stack StackID, d int64) {
	if d <= 0 {
		return
	}
	i, ok := b.byKey[blockKey{k, stack}]
	if !ok {
		i = len(b.out)
		b.byKey[blockKey{k, stack}] = i
		b.out = append(b.out, Blocked{Stack: stack})
		b.kinds = append(b.kinds, k)
	}
	b.out[i].Count++
	b.out[i].Nanos += d
}

// trackBlocking applies one goroutine state transition to the trackers, as
// `go tool trace` does for each kind.
func (a *analyzer) trackBlocking(g *goroutine, to trace.GoState, reason string, t int64, ev *trace.Event) {
	evStack := ev.Stack()
	if evStack == trace.NoStack && a.blocking.rules.skipStackless {
		return
	}
	stack := StackID(-1)
	for k := range numKinds {
		tr := &g.track[k]
		if !tr.active {
			if to != k.state() || !k.counts(reason) {
				continue
			}
			if stack < 0 {
				stack = a.stacks.intern(evStack)
			}
			*tr = tracker{active: true, start: t, stack: stack}
			continue
		}
		if to == k.state() {
			continue
		}
		tr.active = false
		a.closeInterval(g, k, tr.start, t, tr.stack)
	}
}

// closeInterval counts an interval [start, end) of a kind: its overlap
// with the goroutine's life from its first run, or all of it if the
// goroutine never runs, which is known only at its end.
func (a *analyzer) closeInterval(g *goroutine, k Kind, start, end int64, stack StackID) {
	switch {
	case g.started:
		a.blocking.add(k, stack, end-max(start, g.startTime))
	default:
		g.pending = append(g.pending, pendingInterval{kind: k, start: start, end: end, stack: stack})
	}
}

// settlePending counts the intervals of a goroutine that ended (or was still
// alive at the end of the trace, end) without ever running.
func (a *analyzer) settlePending(g *goroutine, end int64) {
	for _, p := range g.pending {
		a.blocking.add(p.kind, p.stack, min(p.end, end)-p.start)
	}
	g.pending = nil
}
