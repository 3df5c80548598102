// Package cores reads the goroutines of a Go process from a Linux ELF core
// dump (written by the kernel, for instance on a crash with
// GOTRACEBACK=crash, or taken from a live process with gdb's gcore) and the
// executable that produced it, into the snapshot model of goroutine dumps
// (package goroutines), so that every goroutine view works on a core.
//
// Delve's core reader (github.com/go-delve/delve/pkg/proc/core) opens the
// pair: it reads the core's memory through the file's segments (io.ReaderAt,
// never the whole file), its threads, and the executable's DWARF. This
// package reads each goroutine's runtime.g with offsets taken from that
// DWARF, walks stacks by frame pointers the way the runtime's execution
// tracer does, and has Delve unwind and symbolise (with inlined calls) the
// first goroutine of each distinct chain of return addresses. Goroutines on
// a thread are unwound by Delve from the thread's registers.
//
// The snapshot shows what the runtime's goroutine dump (goroutine?debug=2,
// GOTRACEBACK=all) would have printed at that moment: runtime goroutines are
// left out (and counted in Core.SystemGoroutines), runtime-internal frames
// and wrappers are hidden, states and wait reasons are the texts the
// executable's own runtime prints (read from its gStatusStrings and
// waitReasonStrings tables, so every Go version names its states its own
// way), and deep stacks keep their innermost and outermost 50 frames.
package cores

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-delve/delve/pkg/proc"
	"github.com/go-delve/delve/pkg/proc/core"

	"github.com/goscope/pprof/pkg/goroutines"
)

// Read reads the goroutines of the process that wrote the core. Its errors
// wrap the Err values of this package. When some goroutines of a damaged
// core cannot be read, Read returns the others with an error wrapping
// ErrUnreadable that counts them. Memory stays bounded: the core is
// read where needed, goroutines with the same stack share one *Stack, and
// Delve keeps only the goroutines it unwinds.
func Read(corePath, exePath string) (snap *goroutines.Snapshot, err error) {
	info, err := Inspect(corePath, exePath)
	if err != nil {
		return nil, err
	}
	defer func() {
		// A damaged core can send Delve down paths that panic; the caller
		// (a server) must keep running.
		if r := recover(); r != nil {
			snap, err = nil, fmt.Errorf("%w: %v", ErrUnreadable, r)
		}
	}()
	grp, err := core.OpenCore(corePath, exePath, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	defer func() { _ = grp.Detach(false) }()
	r, err := newReader(grp.Selected, info)
	if err != nil {
		return nil, err
	}
	return r.read()
}

func (r *reader) read() (*goroutines.Snapshot, error) {
	allgs, n, err := r.allgs()
	if err != nil {
		return nil, err
	}
	// Each goroutine's g is somewhere in the core: a damaged allgs cannot
	// make the reader walk more than the core holds.
	if n > uint64(r.info.Size)/uint64(r.layout.size) {
		return nil, fmt.Errorf("%w: runtime.allgs claims %d goroutines, more than a core of %d bytes can hold", ErrUnreadable, n, r.info.Size)
	}
	snap := &goroutines.Snapshot{Format: goroutines.FormatCore, StatesKnown: true}
	meta := &goroutines.Core{
		Executable: filepath.Base(r.info.Executable), GoVersion: r.info.GoVersion, Arch: r.info.Arch,
		Signal: r.info.Signal,
	}
	raw := make([]rawG, 0, min(n, 1<<16))
	buf := make([]byte, r.layout.size)
	var clock int64
	var skipped skips
	for i := uint64(0); i < n; i++ {
		g, err := r.readG(allgs, i, buf)
		if err != nil {
			skipped.add(err)
			continue
		}
		if g.status&^gScan == gDead {
			continue
		}
		g.index = i
		raw = append(raw, g)
		clock = max(clock, g.waitSince)
	}
	clock = max(clock, r.clock())
	for i := range raw {
		g := &raw[i]
		out, system, err := r.goroutine(g, clock)
		if err != nil {
			skipped.add(err)
			continue
		}
		if system {
			meta.SystemGoroutines++
			continue
		}
		snap.Goroutines = append(snap.Goroutines, out)
	}
	snap.Total = len(snap.Goroutines)
	meta.Threads = r.threads()
	meta.Clock = durationOf(clock)
	for _, t := range meta.Threads {
		if t.ID == r.info.SignalThread && r.info.Signal != "" {
			meta.Goroutine = t.Goroutine
		}
	}
	snap.Core = meta
	if meta.Signal != "" {
		snap.Crash = &goroutines.Crash{Kind: "core", Message: "core dumped on " + meta.Signal, Signal: meta.Signal, Goroutine: meta.Goroutine}
	}
	if skipped.n == 0 {
		return snap, nil
	}
	first := strings.TrimPrefix(skipped.first.Error(), ErrUnreadable.Error()+": ")
	err = fmt.Errorf("%w: %d of %d goroutines could not be read (the first: %s)", ErrUnreadable, skipped.n, n, first)
	if len(snap.Goroutines) == 0 {
		return nil, err
	}
	return snap, err
}

// skips counts the goroutines a damaged core does not let the reader read,
// which the snapshot goes without.
type skips struct {
	n     int
	first error
}

func (s *skips) add(err error) {
	if s.n == 0 {
		s.first = err
	}
	s.n++
}

// threads lists the process's threads with the goroutine each ran.
func (r *reader) threads() []goroutines.CoreThread {
	signals := make(map[int]int, len(r.info.Threads))
	for _, t := range r.info.Threads {
		signals[t.lwp] = t.signal
	}
	list := r.tgt.ThreadList()
	out := make([]goroutines.CoreThread, 0, len(list))
	for _, th := range list {
		t := goroutines.CoreThread{ID: th.ThreadID()}
		if sig := signals[t.ID]; sig != 0 {
			t.Signal = signalName(sig)
		}
		if g, _ := proc.GetG(th); g != nil {
			t.Goroutine = g.ID
		}
		if loc, err := proc.ThreadLocation(th); err == nil && loc.Fn != nil {
			t.Func = loc.Fn.Name
		}
		out = append(out, t)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
