package goroutines

import (
	"slices"

	"github.com/goscope/pprof/pkg/waitstates"
)

// frameRef is a frame as interned ids; stacks are hashed and compared as
// sequences of them without looking at the strings again.
type frameRef struct {
	fn, file uint32
	line     int32
	inlined  bool
}

// noFrame marks an absent created-by frame.
var noFrame = frameRef{fn: ^uint32(0), file: ^uint32(0)}

// table interns function names, file names, states, label sets and whole
// stacks for one parse. Lookups with string(b) keys do not allocate.
type table struct {
	funcs     map[string]uint32
	funcNames []string
	// caller and fileOf remember, per function id, the function last seen
	// calling it (the next frame) and the file last seen with it: likely
	// answers for the next lookups, checked by comparison.
	caller    []uint32
	fileOf    []uint32
	files     map[string]uint32
	fileNames []string
	stacks    map[uint64][]*stackEntry
	labels    map[string]Labels
	states    map[string]stateInfo
	lastState stateInfo // consecutive goroutines often share a state
	semaCat   map[*Stack]waitstates.Category
}

type stackEntry struct {
	refs    []frameRef
	created frameRef
	elided  int
	at      int
	stack   *Stack
}

// stateInfo is what a status text such as "chan receive (durable)" means.
type stateInfo struct {
	raw      string
	state    string
	category waitstates.Category
	leaked   bool
	scan     bool
	durable  bool
}

func newTable() *table {
	return &table{
		funcs:  make(map[string]uint32, 256),
		files:  make(map[string]uint32, 64),
		stacks: make(map[uint64][]*stackEntry, 64),
		labels: make(map[string]Labels),
		states: make(map[string]stateInfo),
	}
}

func (t *table) fn(b []byte) uint32 {
	if id, ok := t.funcs[string(b)]; ok {
		return id
	}
	return t.fnString(string(b))
}

func (t *table) fnString(s string) uint32 {
	if id, ok := t.funcs[s]; ok {
		return id
	}
	id := uint32(len(t.funcNames))
	t.funcNames = append(t.funcNames, s)
	t.caller = append(t.caller, noFrame.fn)
	t.fileOf = append(t.fileOf, noFrame.file)
	t.funcs[s] = id
	return id
}

// fnHint is fn for a function that is likely the one with id hint (the
// same frame of the previous goroutine): a comparison instead of a lookup.
func (t *table) fnHint(b []byte, hint uint32) uint32 {
	if hint < uint32(len(t.funcNames)) && t.funcNames[hint] == string(b) {
		return hint
	}
	return t.fn(b)
}

// fileHint is fnHint's counterpart for files.
func (t *table) fileHint(b []byte, hint uint32) uint32 {
	if hint < uint32(len(t.fileNames)) && t.fileNames[hint] == string(b) {
		return hint
	}
	return t.file(b)
}

func (t *table) file(b []byte) uint32 {
	if id, ok := t.files[string(b)]; ok {
		return id
	}
	return t.fileString(string(b))
}

func (t *table) fileString(s string) uint32 {
	if id, ok := t.files[s]; ok {
		return id
	}
	id := uint32(len(t.fileNames))
	t.fileNames = append(t.fileNames, s)
	t.files[s] = id
	return id
}

func (t *table) frame(r frameRef) Frame {
	return Frame{Func: t.funcNames[r.fn], File: t.fileNames[r.file], Line: int(r.line), Inlined: r.inlined}
}

const (
	hashMul  = 0x9E3779B97F4A7C15
	hashSeed = 0xcbf29ce484222325
)

func mix(h, v uint64) uint64 {
	h ^= v
	h *= hashMul
	return h ^ h>>29
}

func hashRef(h uint64, r frameRef) uint64 {
	return mix(mix(h, uint64(r.fn)<<32|uint64(r.file)), uint64(uint32(r.line)))
}

// stack returns the interned stack for the frames, creating it on first use.
// refs is the caller's scratch space; it is copied when kept.
func (t *table) stack(refs []frameRef, created frameRef, elided, at int) *Stack {
	return t.stackEntry(refs, created, elided, at).stack
}

// matches reports whether the entry is the stack of these frames.
func (e *stackEntry) matches(refs []frameRef, created frameRef, elided, at int) bool {
	return e.created == created && e.elided == elided && e.at == at && slices.Equal(e.refs, refs)
}

func (t *table) stackEntry(refs []frameRef, created frameRef, elided, at int) *stackEntry {
	h := uint64(hashSeed)
	for _, r := range refs {
		h = hashRef(h, r)
	}
	h = hashRef(h, created)
	h = mix(h, uint64(int64(elided))<<32|uint64(uint32(at)))
	for _, e := range t.stacks[h] {
		if e.matches(refs, created, elided, at) {
			return e
		}
	}
	s := &Stack{Frames: make([]Frame, len(refs)), Elided: elided, ElidedAt: at, Hash: h}
	for i, r := range refs {
		s.Frames[i] = t.frame(r)
	}
	if created != noFrame {
		s.CreatedBy = t.frame(created)
	}
	e := &stackEntry{refs: slices.Clone(refs), created: created, elided: elided, at: at, stack: s}
	t.stacks[h] = append(t.stacks[h], e)
	return e
}

// state interns the meaning of a status text as printed inside the brackets
// of a goroutine header, before the first comma.
func (t *table) state(raw []byte) stateInfo {
	if t.lastState.raw == string(raw) {
		return t.lastState
	}
	if si, ok := t.states[string(raw)]; ok {
		t.lastState = si
		return si
	}
	s := string(raw)
	si := stateInfo{}
	for {
		switch {
		case hasSuffix(s, " (leaked)"):
			si.leaked = true
			s = s[:len(s)-len(" (leaked)")]
			continue
		case hasSuffix(s, " (scan)"):
			si.scan = true
			s = s[:len(s)-len(" (scan)")]
			continue
		case hasSuffix(s, " (durable)"):
			si.durable = true
			s = s[:len(s)-len(" (durable)")]
			continue
		case hasSuffix(s, " (synctest)"):
			si.durable = true
			s = s[:len(s)-len(" (synctest)")]
			continue
		}
		break
	}
	si.raw, si.state = string(raw), s
	si.category = waitstates.Of(s)
	t.states[string(raw)] = si
	return si
}

// labelSet interns a label set by the text it was parsed from.
func (t *table) labelSet(raw []byte) (Labels, bool) {
	if l, ok := t.labels[string(raw)]; ok {
		return l, true
	}
	l, ok := parseLabels(raw)
	if !ok {
		return nil, false
	}
	t.labels[string(raw)] = l
	return l, true
}

func hasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// refine resolves an ambiguous state's category from the stack.
func (t *table) refine(c waitstates.Category, s *Stack) waitstates.Category {
	if s == nil {
		return c
	}
	if rc, ok := t.semaCat[s]; ok {
		return rc
	}
	rc := c
	for _, f := range s.Frames {
		if fc, ok := waitstates.FromFrame(f.Func); ok {
			rc = fc
			break
		}
	}
	if t.semaCat == nil {
		t.semaCat = make(map[*Stack]waitstates.Category)
	}
	t.semaCat[s] = rc
	return rc
}
