package goroutines

import (
	"time"

	"github.com/goscope/pprof/pkg/waitstates"
)

// Core is what a core dump says about the process besides its goroutines.
type Core struct {
	// Executable is the name of the executable the core was read with.
	Executable string
	// GoVersion is the Go version the executable was built with ("go1.26.2").
	GoVersion string
	// Arch is the architecture of the process ("amd64", "arm64").
	Arch string
	// Signal is the signal that made the kernel write the core ("SIGABRT"),
	// empty for a core taken from a live process (gcore).
	Signal string
	// Goroutine is the goroutine running on the thread that received
	// Signal, 0 when there is no signal or that thread ran no goroutine.
	Goroutine int64
	// Threads are the process's threads in the order the core lists them.
	Threads []CoreThread
	// SystemGoroutines is how many runtime goroutines (GC workers, the
	// finalizer and scavenger goroutines) were left out, as goroutine dumps
	// leave them out.
	SystemGoroutines int
	// Clock is the latest monotonic time the runtime recorded before the
	// core was written; wait times are measured up to it.
	Clock time.Duration
}

// CoreThread is one OS thread of a core dump.
type CoreThread struct {
	// ID is the thread id (the kernel's LWP id).
	ID int
	// Goroutine is the goroutine the thread was running, 0 for none.
	Goroutine int64
	// Func is the function the thread was in.
	Func string
	// Signal is the signal the thread had received, empty for none.
	Signal string
}

// StackTable interns stacks built from frames, so that goroutines with the
// same frames share one *Stack as they do in parsed dumps. Readers that do
// not parse text (package cores) use it.
type StackTable struct{ t *table }

// NewStackTable returns an empty table.
func NewStackTable() *StackTable { return &StackTable{t: newTable()} }

// Stack returns the stack with these frames, created by createdBy (Func
// empty for none), with elided frames left out before index at.
func (st *StackTable) Stack(frames []Frame, createdBy Frame, elided, at int) *Stack {
	refs := make([]frameRef, len(frames))
	for i, f := range frames {
		refs[i] = st.ref(f)
	}
	created := noFrame
	if createdBy.Func != "" {
		created = st.ref(createdBy)
	}
	return st.t.stack(refs, created, elided, at)
}

func (st *StackTable) ref(f Frame) frameRef {
	return frameRef{fn: st.t.fnString(f.Func), file: st.t.fileString(f.File), line: int32(f.Line), inlined: f.Inlined}
}

// SetState sets a goroutine's State, Category and flags from a status text
// such as "chan receive" or "select (durable)" as the text parser reads it
// from a goroutine header; set g.Stack first, as the category of an
// ambiguous state depends on it.
func (st *StackTable) SetState(g *Goroutine, raw string) {
	si := st.t.state([]byte(raw))
	g.State, g.Category = si.state, si.category
	g.Leaked, g.Scanning, g.Durable = si.leaked, si.scan, si.durable
	if waitstates.Ambiguous(g.State) {
		g.Category = st.t.refine(g.Category, g.Stack)
	}
}
