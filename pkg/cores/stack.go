package cores

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-delve/delve/pkg/proc"

	"github.com/goscope/pprof/pkg/goroutines"
)

const (
	// maxChain bounds the frames unwound per goroutine; deeper stacks keep
	// their innermost frames, marked as elided.
	maxChain = 1024
	// innerFrames and outerFrames are what the runtime prints of a deep stack
	// (tracebackInnerFrames and tracebackOuterFrames, Go 1.21+).
	innerFrames, outerFrames = 50, 50
)

// chain is the shown frames of the goroutines whose frame-pointer walk gave
// the same return addresses.
type chain struct {
	pcs    []uint64
	frames []goroutines.Frame
	elided int
	// trusted is false when Delve's unwinding of the first goroutine with
	// these return addresses gave others: each such goroutine is then
	// unwound by Delve on its own.
	trusted bool
	at      int
}

// goroutine builds one goroutine of the snapshot; system is true for a
// runtime goroutine, which goroutine dumps leave out.
func (r *reader) goroutine(g *rawG, clock int64) (out goroutines.Goroutine, system bool, err error) {
	start := r.funcName(g.startPC)
	runsUserCode := false
	switch start {
	case "runtime.runfinq", "runtime.runFinalizers", "runtime.runCleanups", "unique.runCleanups":
		runsUserCode = true
	}
	if isSystem(start) && !runsUserCode {
		return out, true, nil
	}
	frames, elided, at, err := r.frames(g)
	if err != nil {
		return out, false, err
	}
	if runsUserCode && !callsUserCode(frames) {
		return out, true, nil
	}
	out = goroutines.Goroutine{ID: g.goid, Count: 1, CreatorID: g.parent, LockedToThread: g.lockedM != 0}
	out.Stack = r.intern(frames, elided, at, g)
	st := g.status &^ gScan
	r.table.SetState(&out, r.statusText(g))
	out.Scanning = g.status&gScan != 0
	if (st == gWaiting || st == gSyscall) && g.waitSince != 0 && clock > g.waitSince {
		out.WaitMinutes = int((clock - g.waitSince) / 60e9)
	}
	if g.label != 0 {
		if out.Labels, err = r.labelsOf(g); err != nil {
			return out, false, err
		}
	}
	return out, false, nil
}

// isSystem is the runtime's isSystemGoroutine by the goroutine's start
// function: runtime goroutines other than main, coroutines and (while they
// run user code) the finalizer and cleanup goroutines.
func isSystem(start string) bool {
	switch start {
	case "runtime.main", "runtime.corostart", "runtime.handleAsyncEvent":
		return false
	}
	return strings.HasPrefix(start, "runtime.")
}

func callsUserCode(frames []goroutines.Frame) bool {
	for _, f := range frames {
		if !strings.HasPrefix(f.Func, "runtime.") {
			return true
		}
	}
	return false
}

// statusText is the state as the runtime prints it in a goroutine header.
func (r *reader) statusText(g *rawG) string {
	st := g.status &^ gScan
	text := "???"
	if st < uint64(len(r.statuses)) && r.statuses[st] != "" {
		text = r.statuses[st]
	}
	if (st == gWaiting || st == r.leakedStatus) && g.waitReason != 0 {
		text = "unknown wait reason"
		if g.waitReason < uint64(len(r.reasons)) {
			text = r.reasons[g.waitReason]
		}
	}
	if st == r.leakedStatus {
		text += " (leaked)"
	}
	return text
}

// frames returns the frames the runtime would print for the goroutine.
func (r *reader) frames(g *rawG) ([]goroutines.Frame, int, int, error) {
	if dg, ok := r.onThread[g.goid]; ok && !(g.status&^gScan == gSyscall && r.layout.syscallBP.off >= 0) {
		frames, err := r.unwind(dg)
		if err != nil {
			return nil, 0, 0, err
		}
		shown, elided, at := elide(frames)
		return shown, elided, at, nil
	}
	pc, bp := g.pc, g.bp
	if g.status&^gScan == gSyscall && r.layout.syscallBP.off >= 0 && g.syscallSP != 0 {
		pc, bp = g.syscallPC, g.sysBP
	}
	pcs, complete := r.walk(pc, bp, g)
	if !complete {
		return r.unwindAlone(g)
	}
	h := hashPCs(pcs)
	for _, c := range r.stacks[h] {
		if slices.Equal(c.pcs, pcs) {
			if !c.trusted {
				return r.unwindAlone(g)
			}
			return c.frames, c.elided, c.at, nil
		}
	}
	raw, err := r.unwindG(g)
	if err != nil {
		return nil, 0, 0, err
	}
	c := &chain{pcs: slices.Clone(pcs), trusted: slices.Equal(physicalPCs(raw), pcs)}
	c.frames, c.elided, c.at = elide(raw)
	r.stacks[h] = append(r.stacks[h], c)
	return c.frames, c.elided, c.at, nil
}

func (r *reader) unwindAlone(g *rawG) ([]goroutines.Frame, int, int, error) {
	raw, err := r.unwindG(g)
	if err != nil {
		return nil, 0, 0, err
	}
	shown, elided, at := elide(raw)
	return shown, elided, at, nil
}

// unwindG has Delve unwind a goroutine that is not on a thread.
func (r *reader) unwindG(g *rawG) ([]proc.Stackframe, error) {
	dg, err := r.delveG(g)
	if err != nil {
		return nil, err
	}
	return r.unwind(dg)
}

// walk follows the frame pointers from bp, as the runtime's execution tracer
// does (fpTracebackPCs), and reports whether it reached runtime.goexit.
func (r *reader) walk(pc, bp uint64, g *rawG) ([]uint64, bool) {
	pcs := append(r.pcs[:0], pc)
	defer func() { r.pcs = pcs[:0] }()
	var word [16]byte
	low := g.sp
	for bp != 0 && len(pcs) < maxChain {
		if bp < low || bp+16 > g.stackHi {
			return pcs, false
		}
		if _, err := r.mem.ReadMemory(word[:], bp); err != nil {
			return pcs, false
		}
		next, ret := order.Uint64(word[:8]), order.Uint64(word[8:])
		if ret == 0 {
			break
		}
		pcs = append(pcs, ret)
		low, bp = bp+16, next
	}
	last := pcs[len(pcs)-1]
	return pcs, r.funcName(last) == "runtime.goexit"
}

func hashPCs(pcs []uint64) uint64 {
	h := uint64(0xcbf29ce484222325)
	for _, pc := range pcs {
		h ^= pc
		h *= 0x100000001b3
	}
	return h
}

// physicalPCs are the program counters of Delve's frames without the
// inlined calls: the first frame's pc and the return addresses.
func physicalPCs(frames []proc.Stackframe) []uint64 {
	var out []uint64
	for _, f := range frames {
		if !f.Inlined {
			out = append(out, f.Current.PC)
		}
	}
	return out
}

// delveG returns Delve's view of a goroutine, parsing only that one.
func (r *reader) delveG(g *rawG) (*proc.G, error) {
	if dg, ok := r.onThread[g.goid]; ok {
		return dg, nil
	}
	gs, _, err := proc.GoroutinesInfo(r.tgt, int(g.index), 1)
	if err != nil {
		return nil, fmt.Errorf("%w: goroutine %d: %v", ErrUnreadable, g.goid, err)
	}
	if len(gs) == 0 || gs[0].ID != g.goid {
		return nil, fmt.Errorf("%w: goroutine %d could not be found again", ErrUnreadable, g.goid)
	}
	if gs[0].Unreadable != nil {
		return nil, fmt.Errorf("%w: goroutine %d: %v", ErrUnreadable, g.goid, gs[0].Unreadable)
	}
	return gs[0], nil
}

func (r *reader) unwind(dg *proc.G) ([]proc.Stackframe, error) {
	frames, err := proc.GoroutineStacktrace(r.tgt, dg, maxChain, 0)
	if err != nil && len(frames) == 0 {
		return nil, fmt.Errorf("%w: the stack of goroutine %d: %v", ErrUnreadable, dg.ID, err)
	}
	return frames, nil
}

// elide turns Delve's frames into the frames the runtime prints at
// GOTRACEBACK=all (showfuncinfo): runtime-internal functions and wrappers
// are hidden, and of more than 100 frames the innermost and outermost 50 are
// kept. It returns the number of frames left out.
func elide(frames []proc.Stackframe) ([]goroutines.Frame, int, int) {
	shown := make([]goroutines.Frame, 0, len(frames))
	callee := ""
	for i, f := range frames {
		if f.Call.Fn == nil {
			continue
		}
		name := f.Call.Fn.Name
		if show(name, f.Call.File, callee, i == 0) {
			shown = append(shown, goroutines.Frame{Func: printName(name), File: f.Call.File, Line: f.Call.Line, Inlined: f.Inlined})
		}
		callee = name
	}
	truncated := len(frames) > maxChain
	if len(shown) > innerFrames+outerFrames && !truncated {
		n := len(shown) - innerFrames - outerFrames
		kept := append(shown[:innerFrames:innerFrames], shown[len(shown)-outerFrames:]...)
		return kept, n, innerFrames
	}
	if truncated {
		return shown[:min(len(shown), innerFrames+outerFrames)], goroutines.ElidedUncounted, min(len(shown), innerFrames+outerFrames)
	}
	return shown, 0, 0
}

// show is the runtime's showfuncinfo at GOTRACEBACK=all.
func show(name, file, callee string, first bool) bool {
	if isWrapper(name, file) {
		switch callee {
		case "runtime.gopanic", "runtime.sigpanic", "runtime.panicwrap":
		default:
			return false
		}
	}
	switch name {
	case "runtime.runFinalizers", "runtime.runCleanups":
		return true
	case "runtime.gopanic":
		if !first {
			return true
		}
	}
	if !strings.Contains(name, ".") {
		return false
	}
	return !strings.HasPrefix(name, "runtime.") || isExportedRuntime(name)
}

// isWrapper recognises the functions the compiler marks as wrappers: method
// value and interface wrappers (file <autogenerated>) and the closures that
// wrap the calls of go and defer statements.
func isWrapper(name, file string) bool {
	if file == "<autogenerated>" {
		return true
	}
	i := strings.LastIndexByte(name, '.')
	tail := name[i+1:]
	for _, p := range []string{"gowrap", "deferwrap"} {
		if rest, ok := strings.CutPrefix(tail, p); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

// isExportedRuntime is the runtime's test for exported runtime functions and
// methods of exported runtime types.
func isExportedRuntime(name string) bool {
	name, ok := strings.CutPrefix(name, "runtime.")
	if !ok {
		return false
	}
	rcvr := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		rcvr, name = name[:i], name[i+1:]
		if len(rcvr) >= 3 && rcvr[0] == '(' && rcvr[1] == '*' && rcvr[len(rcvr)-1] == ')' {
			rcvr = rcvr[2 : len(rcvr)-1]
		}
	}
	upper := func(s string) bool { return len(s) > 0 && 'A' <= s[0] && s[0] <= 'Z' }
	return upper(name) && (rcvr == "" || upper(rcvr))
}

// printName is a function name as tracebacks print it: the type arguments
// of a generic function shortened to "[...]".
func printName(name string) string {
	i := strings.IndexByte(name, '[')
	j := strings.LastIndexByte(name, ']')
	if i < 0 || j <= i {
		return name
	}
	return name[:i] + "[...]" + name[j+1:]
}

// intern returns the shared stack for the frames and the goroutine's
// creator, as printed by "created by".
func (r *reader) intern(frames []goroutines.Frame, elided, at int, g *rawG) *goroutines.Stack {
	return r.table.Stack(frames, r.createdBy(g), elided, at)
}

// createdBy is the runtime's printcreatedby: the function of the go
// statement and its line, not shown for goroutine 1 or a runtime creator.
func (r *reader) createdBy(g *rawG) goroutines.Frame {
	if g.goid == 1 || g.goPC == 0 {
		return goroutines.Frame{}
	}
	fn := r.fn(g.goPC)
	if fn == nil || !show(fn.Name, "", "", false) {
		return goroutines.Frame{}
	}
	tracepc := g.goPC
	if tracepc > fn.Entry {
		tracepc--
	}
	file, line, _ := r.bi.PCToLine(tracepc)
	return goroutines.Frame{Func: printName(fn.Name), File: file, Line: line}
}

func (r *reader) fn(pc uint64) *proc.Function {
	if fn, ok := r.funcs[pc]; ok {
		return fn
	}
	fn := r.bi.PCToFunc(pc)
	r.funcs[pc] = fn
	return fn
}

func (r *reader) funcName(pc uint64) string {
	if fn := r.fn(pc); fn != nil {
		return fn.Name
	}
	return ""
}
