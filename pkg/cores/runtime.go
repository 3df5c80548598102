package cores

import (
	"encoding/binary"
	"fmt"
	"go/constant"
	"time"

	"github.com/go-delve/delve/pkg/dwarf/godwarf"
	"github.com/go-delve/delve/pkg/proc"

	"github.com/goscope/pprof/pkg/goroutines"
)

// Goroutine statuses (runtime2.go); the same numbers from Go 1.21 to 1.27.
const (
	gRunning = 2
	gSyscall = 3
	gWaiting = 4
	gDead    = 6
	gScan    = 0x1000
)

// layout is where the fields of runtime.g that a snapshot needs sit, taken
// from the executable's DWARF; -1 marks a field this Go version lacks.
type layout struct {
	size                                int64
	goid, status, waitReason, waitSince field
	schedPC, schedSP, schedBP           field
	syscallSP, syscallPC, syscallBP     field
	stackLo, stackHi, goPC, startPC     field
	lockedM, parentGoid, labels         field
	statusSize                          int64
}

type field struct{ off, size int64 }

var absent = field{off: -1}

// reader reads one core.
type reader struct {
	tgt    *proc.Target
	bi     *proc.BinaryInfo
	mem    proc.MemoryReadWriter
	info   *Info
	layout layout
	// statuses and reasons are the executable's gStatusStrings and
	// waitReasonStrings.
	statuses, reasons []string
	// leakedStatus is the status printed as "leaked" (Go 1.26+), -1 before.
	leakedStatus uint64
	onThread     map[int64]*proc.G
	funcs        map[uint64]*proc.Function
	labels       map[uint64]goroutines.Labels
	labelShape   labelShape
	stacks       map[uint64][]*chain
	table        *goroutines.StackTable
	pcs          []uint64
}

var order = binary.LittleEndian // amd64 and arm64

func newReader(tgt *proc.Target, info *Info) (*reader, error) {
	r := &reader{
		tgt: tgt, bi: tgt.BinInfo(), mem: tgt.Memory(), info: info,
		onThread: make(map[int64]*proc.G), funcs: make(map[uint64]*proc.Function),
		labels: make(map[uint64]goroutines.Labels), stacks: make(map[uint64][]*chain),
		table: goroutines.NewStackTable(), leakedStatus: ^uint64(0),
	}
	if err := r.readLayout(); err != nil {
		return nil, err
	}
	var err error
	if r.statuses, err = r.stringTable("runtime.gStatusStrings"); err != nil {
		return nil, err
	}
	if r.reasons, err = r.stringTable("runtime.waitReasonStrings"); err != nil {
		return nil, err
	}
	r.readLabelShape()
	for i, s := range r.statuses {
		if s == "leaked" {
			r.leakedStatus = uint64(i)
		}
	}
	for _, th := range tgt.ThreadList() {
		if g, _ := proc.GetG(th); g != nil && g.ID != 0 {
			r.onThread[g.ID] = g
		}
	}
	return r, nil
}

func (r *reader) readLayout() error {
	t, err := r.bi.FindType("runtime.g")
	if err != nil {
		return fmt.Errorf("%w: the executable's DWARF has no runtime.g (%v); is it a Go program?", ErrUnreadable, err)
	}
	g, ok := godwarf.ResolveTypedef(t).(*godwarf.StructType)
	if !ok {
		return fmt.Errorf("%w: runtime.g is not a struct", ErrUnreadable)
	}
	l := &r.layout
	l.size = g.Size()
	required := []struct {
		f    *field
		path []string
	}{
		{&l.goid, []string{"goid"}}, {&l.status, []string{"atomicstatus"}},
		{&l.waitSince, []string{"waitsince"}}, {&l.waitReason, []string{"waitreason"}},
		{&l.schedPC, []string{"sched", "pc"}}, {&l.schedSP, []string{"sched", "sp"}},
		{&l.schedBP, []string{"sched", "bp"}},
		{&l.stackLo, []string{"stack", "lo"}}, {&l.stackHi, []string{"stack", "hi"}},
		{&l.goPC, []string{"gopc"}}, {&l.startPC, []string{"startpc"}}, {&l.lockedM, []string{"lockedm"}},
	}
	for _, q := range required {
		f, ok := fieldOf(g, q.path...)
		if !ok {
			return fmt.Errorf("%w: runtime.g has no field %v in this executable", ErrUnreadable, q.path)
		}
		*q.f = f
	}
	// atomicstatus is a uint32 before Go 1.20 and an atomic.Uint32 since.
	if f, ok := fieldOf(g, "atomicstatus", "value"); ok {
		l.status = f
	}
	optional := []struct {
		f    *field
		path []string
	}{
		{&l.syscallSP, []string{"syscallsp"}}, {&l.syscallPC, []string{"syscallpc"}},
		{&l.syscallBP, []string{"syscallbp"}}, {&l.parentGoid, []string{"parentGoid"}},
		{&l.labels, []string{"labels"}},
	}
	for _, q := range optional {
		if f, ok := fieldOf(g, q.path...); ok {
			*q.f = f
		} else {
			*q.f = absent
		}
	}
	return nil
}

// fieldOf finds a (nested) field of a struct type.
func fieldOf(t *godwarf.StructType, path ...string) (field, bool) {
	var off int64
	for i, name := range path {
		var found *godwarf.StructField
		for _, f := range t.Field {
			if f.Name == name {
				found = f
				break
			}
		}
		if found == nil {
			return field{}, false
		}
		off += found.ByteOffset
		ft := godwarf.ResolveTypedef(found.Type)
		if i == len(path)-1 {
			return field{off: off, size: ft.Size()}, true
		}
		st, ok := ft.(*godwarf.StructType)
		if !ok {
			return field{}, false
		}
		t = st
	}
	return field{}, false
}

func (f field) uint(buf []byte) uint64 {
	if f.off < 0 || f.off+f.size > int64(len(buf)) {
		return 0
	}
	b := buf[f.off:]
	switch f.size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(order.Uint16(b))
	case 4:
		return uint64(order.Uint32(b))
	case 8:
		return order.Uint64(b)
	}
	return 0
}

// scope is a scope for the runtime's global variables.
func (r *reader) scope() (*proc.EvalScope, error) {
	s, err := proc.ThreadScope(r.tgt, r.tgt.CurrentThread())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	return s, nil
}

// stringTable loads a [N]string array of the runtime.
func (r *reader) stringTable(name string) ([]string, error) {
	s, err := r.scope()
	if err != nil {
		return nil, err
	}
	v, err := s.EvalExpression(name, proc.LoadConfig{MaxStringLen: 256, MaxArrayValues: 1024, MaxVariableRecurse: 1, MaxStructFields: -1})
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %v", ErrUnreadable, name, err)
	}
	if v.Unreadable != nil {
		return nil, fmt.Errorf("%w: reading %s: %v (is the executable the one that wrote the core?)", ErrUnreadable, name, v.Unreadable)
	}
	out := make([]string, len(v.Children))
	for i, c := range v.Children {
		if c.Value != nil && c.Value.Kind() == constant.String {
			out[i] = constant.StringVal(c.Value)
		}
	}
	return out, nil
}

// allgs returns the address of runtime.allgs' array and its length.
func (r *reader) allgs() (base, n uint64, err error) {
	s, err := r.scope()
	if err != nil {
		return 0, 0, err
	}
	v, err := s.EvalExpression("runtime.allgs", proc.LoadConfig{})
	if err != nil {
		return 0, 0, fmt.Errorf("%w: reading runtime.allgs: %v", ErrUnreadable, err)
	}
	if v.Unreadable != nil || v.Len < 0 || v.Len > v.Cap {
		return 0, 0, fmt.Errorf("%w: runtime.allgs is unreadable (is the executable the one that wrote the core?)", ErrUnreadable)
	}
	return v.Base, uint64(v.Len), nil
}

// rawG is the part of a runtime.g a snapshot uses.
type rawG struct {
	index                         uint64
	addr                          uint64
	goid, parent                  int64
	status, waitReason            uint64
	waitSince                     int64
	pc, sp, bp                    uint64
	syscallSP, syscallPC, sysBP   uint64
	stackLo, stackHi              uint64
	goPC, startPC, lockedM, label uint64
}

func (r *reader) readG(allgs, i uint64, buf []byte) (rawG, error) {
	var p [8]byte
	if _, err := r.mem.ReadMemory(p[:], allgs+8*i); err != nil {
		return rawG{}, fmt.Errorf("%w: allgs[%d]: %v", ErrUnreadable, i, err)
	}
	addr := order.Uint64(p[:])
	if _, err := r.mem.ReadMemory(buf, addr); err != nil {
		return rawG{}, fmt.Errorf("%w: runtime.allgs[%d] at %#x: %v", ErrUnreadable, i, addr, err)
	}
	l := &r.layout
	return rawG{
		addr: addr, goid: int64(l.goid.uint(buf)), parent: int64(l.parentGoid.uint(buf)),
		status: l.status.uint(buf), waitReason: l.waitReason.uint(buf), waitSince: int64(l.waitSince.uint(buf)),
		pc: l.schedPC.uint(buf), sp: l.schedSP.uint(buf), bp: l.schedBP.uint(buf),
		syscallSP: l.syscallSP.uint(buf), syscallPC: l.syscallPC.uint(buf), sysBP: l.syscallBP.uint(buf),
		stackLo: l.stackLo.uint(buf), stackHi: l.stackHi.uint(buf),
		goPC: l.goPC.uint(buf), startPC: l.startPC.uint(buf), lockedM: l.lockedM.uint(buf), label: l.labels.uint(buf),
	}, nil
}

// clock returns the latest monotonic time (runtime nanotime) the runtime
// recorded: when the network poller last ran (sysmon refreshes it every
// 10 ms while the process is busy), when the last GC ended, and when sysmon
// last saw each P schedule. The core carries no clock of its own, so wait
// times are measured up to this moment; in a process idle before it dumped
// core they can come out short by up to the idle time (forced GCs bound it
// to about two minutes).
func (r *reader) clock() int64 {
	s, err := r.scope()
	if err != nil {
		return 0
	}
	var latest int64
	for _, expr := range []string{"runtime.sched.lastpoll.value", "runtime.memstats.last_gc_nanotime"} {
		latest = max(latest, r.evalInt(s, expr))
	}
	return max(latest, r.sysmonTicks(s))
}

// maxProcs is the runtime's bound on GOMAXPROCS since Go 1.10.
const maxProcs = 1024

// sysmonTicks returns the latest time sysmon saw any P schedule or enter a
// system call (p.sysmontick), read from memory with DWARF offsets.
func (r *reader) sysmonTicks(s *proc.EvalScope) int64 {
	allp, err := s.EvalExpression("runtime.allp", proc.LoadConfig{})
	if err != nil || allp.Unreadable != nil || allp.Len < 0 {
		return 0
	}
	t, err := r.bi.FindType("runtime.p")
	if err != nil {
		return 0
	}
	pt, ok := godwarf.ResolveTypedef(t).(*godwarf.StructType)
	if !ok {
		return 0
	}
	var fields []field
	for _, name := range []string{"schedwhen", "syscallwhen"} {
		if f, ok := fieldOf(pt, "sysmontick", name); ok {
			fields = append(fields, f)
		}
	}
	var latest int64
	var word [8]byte
	buf := make([]byte, pt.Size())
	for i := int64(0); i < min(allp.Len, maxProcs); i++ {
		if _, err := r.mem.ReadMemory(word[:], allp.Base+8*uint64(i)); err != nil {
			break
		}
		if _, err := r.mem.ReadMemory(buf, order.Uint64(word[:])); err != nil {
			continue
		}
		for _, f := range fields {
			latest = max(latest, int64(f.uint(buf)))
		}
	}
	return latest
}

func (r *reader) evalInt(s *proc.EvalScope, expr string) int64 {
	v, err := s.EvalExpression(expr, proc.LoadConfig{})
	if err != nil || v.Unreadable != nil || v.Value == nil {
		return 0
	}
	n, _ := constant.Int64Val(constant.ToInt(v.Value))
	return n
}

func durationOf(ns int64) time.Duration { return time.Duration(ns) }
