package goroutines

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// textParser reads debug=2 dumps, crash output, race reports and debug=1
// text in one pass over the lines. A new snapshot starts where the input
// shows a second dump: a panic or fatal error after goroutines, a goroutine
// id seen before, or a switch between debug=1 and per-goroutine text.
type textParser struct {
	data []byte
	pos  int // start of the next line
	line int // number of the line last read
	t    *table
	refs []frameRef
	errs errorList
	// prev is the stack of the previous goroutine; goroutines started in
	// the same loop come one after the other with the same stack, so the
	// frames are first compared with it.
	prev *stackEntry

	snaps []*Snapshot
	cur   *Snapshot
	first int // index in buf of cur's first goroutine
	buf   []Goroutine
	seen  map[int64]struct{} // ids of cur, when splitting repeats

	repeatedIDs bool // a snapshot repeats a goroutine id

	inMessage    bool // inside the lines of a panic message
	crashPending bool // the next goroutine is the one that crashed
	debug1       bool // cur is debug=1 text
	lastGoLine   int  // line of the last goroutine header
	// inThreads is set after the "-----" line of GOTRACEBACK=crash output:
	// what follows are the other threads' sections of the same crash, each
	// starting with a signal line right after a "-----" (separated).
	inThreads, separated bool
	// indent is the leading white space of the goroutine block being read,
	// for dumps whose blocks were indented (pasted into a document).
	indent int
	// prefix is what a log collector or an indentation put before every
	// line of the input; prefixLen is the indentation's width.
	prefix    linePrefix
	prefixLen int

	lineStart int // offset of the line last read by run
	curStart  int // offset of the first line of cur, -1 before it has any
	prevStart int // offset of the first line of the snapshot before cur
	// lastTest is the last "=== RUN" or "=== CONT" line of go test -v
	// output, which says in which test a race report was printed.
	lastTest string
}

// newTextParser prepares a parse. Tracking goroutine ids to split
// concatenated dumps costs a map insert per goroutine, so the first parse
// only checks for repeated ids at the end (repeatedIDs) and a second parse
// with splitRepeats does the splitting when there are some.
func newTextParser(data []byte, splitRepeats bool) *textParser {
	n := estimateGoroutines(data)
	p := &textParser{
		data: data,
		t:    newTable(),
		refs: make([]frameRef, 0, 64),
		buf:  make([]Goroutine, 0, n),
	}
	if splitRepeats {
		p.seen = make(map[int64]struct{}, n)
	}
	p.cur = &Snapshot{}
	p.curStart = -1
	p.prefix, p.prefixLen = detectPrefix(data)
	return p
}

// estimateGoroutines sizes the goroutine slice: an exact count of headers
// for small inputs, an extrapolation from windows spread over large ones
// (goroutines started together sit together, so one window is not enough).
func estimateGoroutines(data []byte) int {
	const windows, window = 16, 32 << 10
	header := []byte("\ngoroutine ")
	if len(data) <= 4*windows*window {
		return bytes.Count(data, header) + 1
	}
	n := 0
	step := len(data) / windows
	for i := 0; i < windows; i++ {
		n += bytes.Count(data[i*step:i*step+window], header)
	}
	return int(float64(n)*float64(len(data))/(windows*window)*1.05) + 16
}

// next returns the next line without its line end ("\n" or "\r\n").
func (p *textParser) next() ([]byte, bool) {
	if p.pos >= len(p.data) {
		return nil, false
	}
	rest := p.data[p.pos:]
	var l []byte
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		l = rest[:i]
		p.pos += i + 1
	} else {
		l = rest
		p.pos = len(p.data)
	}
	if n := len(l); n > 0 && l[n-1] == '\r' {
		l = l[:n-1]
	}
	if p.prefix != noPrefix {
		l = p.stripPrefix(l)
	}
	p.line++
	return l, true
}

// atCutEnd reports whether the line just read is the last and has no line
// end: where a dump cut at a size limit (64 MiB for debug=2) stops.
func (p *textParser) atCutEnd() bool {
	return p.pos == len(p.data) && len(p.data) > 0 && p.data[len(p.data)-1] != '\n'
}

// unread makes the line that started at pos the next one again.
func (p *textParser) unread(pos int) {
	p.pos = pos
	p.line--
}

func (p *textParser) run() []*Snapshot {
	for {
		start := p.pos
		l, ok := p.next()
		if !ok {
			break
		}
		if len(l) == 0 {
			p.inMessage = false
			continue
		}
		p.lineStart = start
		switch l[0] {
		case 'g', ' ', '\t':
			if p.header(l) {
				continue
			}
		case 'W':
			if hasPrefix(l, "WARNING: DATA RACE") {
				p.mark()
				p.race()
				continue
			}
		}
		if name, ok := profileHeader(l); ok {
			p.unread(start)
			p.mark()
			p.profileText(name)
			continue
		}
		if hasPrefix(l, "goroutine ") && p.atCutEnd() {
			p.errs.add(fmt.Errorf("%w: ends inside a goroutine header at line %d", ErrTruncated, p.line))
			continue
		}
		p.other(l)
	}
	p.finishSnapshot()
	return p.snaps
}

// header reads a goroutine header and the block it starts, reporting
// whether l was one. A header indented by spaces or tabs starts a block
// whose lines all carry that indentation.
func (p *textParser) header(l []byte) bool {
	indent := 0
	for indent < len(l) && (l[indent] == ' ' || l[indent] == '\t') {
		indent++
	}
	if indent == len(l) || l[indent] != 'g' {
		return false
	}
	// Parse in place: goroutines are large and many.
	p.buf = append(p.buf, Goroutine{})
	if !p.t.parseHeader(l[indent:], &p.buf[len(p.buf)-1]) {
		p.buf = p.buf[:len(p.buf)-1]
		return false
	}
	p.mark()
	p.indent = indent
	p.goroutine()
	p.indent = 0
	if p.cur.Crash != nil && (p.inThreads || p.buf[len(p.buf)-1].ID == 0) {
		p.threadGoroutine()
	}
	return true
}

// dedent removes the indentation of the block being read from a line.
func (p *textParser) dedent(l []byte) []byte {
	for i := 0; i < p.indent && len(l) > 0 && (l[0] == ' ' || l[0] == '\t'); i++ {
		l = l[1:]
	}
	return l
}

// goroutine reads the frames, created-by line and ancestors that follow the
// header just parsed into the last element of buf, up to a blank line.
func (p *textParser) goroutine() {
	g := &p.buf[len(p.buf)-1]
	if p.debug1 || !p.inThreads && p.isDuplicate(g.ID) {
		header := *g
		p.buf = p.buf[:len(p.buf)-1]
		p.newSnapshot()
		p.isDuplicate(header.ID)
		p.buf = append(p.buf, header)
		g = &p.buf[len(p.buf)-1]
	}
	p.lastGoLine = p.line
	refs := p.refs[:0]
	created := noFrame
	elided, at := 0, 0
	ancestor := int64(-1)
	skipped := 0
	for {
		start := p.pos
		l, ok := p.next()
		l = p.dedent(l)
		if !ok || len(l) == 0 {
			if !ok && len(refs) == 0 && created == noFrame && !g.StackUnavailable {
				p.errs.add(fmt.Errorf("%w: goroutine %d at line %d has no frames", ErrTruncated, g.ID, p.lastGoLine))
			}
			break
		}
		switch l[0] {
		case '\t', ' ':
			if hasPrefix(trimSpaces(l), "goroutine running on other thread") {
				g.StackUnavailable = true
			} else {
				p.errs.syntax(p.line, "file line without a function", l)
			}
			continue
		case '.':
			if n, ok := parseElided(l); ok {
				elided, at = n, len(refs)
				continue
			}
		case 'c':
			if hasPrefix(l, "created by ") {
				var creator int64
				created, creator = p.createdBy(l)
				if ancestor < 0 {
					g.CreatorID = creator
				}
				continue
			}
		case 'r', 's', '0':
			// A traceback gone wrong: "runtime: g 5: unexpected return pc
			// …", then "stack: frame={…}" and a hex dump of the stack.
			if hasPrefix(l, "runtime: ") || hasPrefix(l, "stack: frame={") || hasPrefix(l, "0x") {
				p.note(l)
				continue
			}
		case '[':
			if hasPrefix(l, "[originating from goroutine ") {
				p.noteCut(len(refs), skipped)
				p.endSection(g, refs, created, elided, at, ancestor)
				refs, created, elided, at, skipped = refs[:0], noFrame, 0, 0, 0
				id, _, _ := parseDec(l, len("[originating from goroutine "))
				ancestor = id
				continue
			}
		}
		fnEnd := funcEnd(l)
		if fnEnd < 0 {
			p.unread(start)
			break
		}
		if len(refs) == dumpformat.MaxStackDepth {
			skipped++
			p.skipFileLine()
			continue
		}
		hint := noFrame.fn
		switch {
		case len(refs) > 0:
			hint = p.t.caller[refs[len(refs)-1].fn]
		case p.prev != nil && len(p.prev.refs) > 0:
			hint = p.prev.refs[0].fn
		}
		ref := frameRef{fn: p.t.fnHint(l[:fnEnd], hint), inlined: string(l[fnEnd:]) == "(...)"}
		ref.file, ref.line = p.location(l, p.t.fileOf[ref.fn])
		p.t.fileOf[ref.fn] = ref.file
		if len(refs) > 0 {
			p.t.caller[refs[len(refs)-1].fn] = ref.fn
		}
		refs = append(refs, ref)
	}
	p.noteCut(len(refs), skipped)
	p.endSection(g, refs, created, elided, at, ancestor)
	p.refs = refs[:0]
	if g.State == "semacquire" {
		g.Category = p.t.refine(g.Category, g.Stack)
	}
	if p.crashPending && p.cur.Crash != nil {
		p.cur.Crash.Goroutine = g.ID
		p.crashPending = false
	}
}

// skipFileLine reads the file line of a function line that is not kept.
func (p *textParser) skipFileLine() {
	start := p.pos
	if l, ok := p.next(); ok && (len(l) == 0 || l[0] != '\t') {
		p.unread(start)
	}
}

// noteCut records a stack of kept frames that had skipped more.
func (p *textParser) noteCut(kept, skipped int) {
	if skipped > 0 {
		p.cur.CutStacks.Add(kept+skipped, kept)
	}
}

// location reads the "\tfile:line +0x…" line that must follow the
// function line fn; hint is the file id it likely has.
func (p *textParser) location(fn []byte, hint uint32) (file uint32, line int32) {
	start := p.pos
	l, ok := p.next()
	l = p.dedent(l)
	if !ok || len(l) == 0 || l[0] != '\t' && l[0] != ' ' {
		if ok {
			p.unread(start)
			p.errs.syntax(p.line, "function without a file line", fn)
		} else {
			p.errs.add(fmt.Errorf("%w: ends after %q (goroutine at line %d)", ErrTruncated, fn, p.lastGoLine))
		}
		return p.t.fileString(""), 0
	}
	// A tab, or the spaces a tab became when the dump was copied from a
	// terminal.
	f, n, ok := fileLine(trimSpaces(l))
	switch {
	case ok:
	case p.atCutEnd():
		p.errs.add(fmt.Errorf("%w: ends inside the file line of %q (goroutine at line %d)", ErrTruncated, fn, p.lastGoLine))
	default:
		p.errs.syntax(p.line, "malformed file line", l)
	}
	return p.t.fileHint(f, hint), int32(n)
}

func (p *textParser) createdBy(l []byte) (frameRef, int64) {
	name := l[len("created by "):]
	var creator int64
	if sp := lastIndexByte(name, ' '); sp >= 0 && endsWith(name[:sp+1], " in goroutine ") {
		creator, _, _ = parseDec(name, sp+1)
		name = name[:sp+1-len(" in goroutine ")]
	}
	hint := noFrame.fn
	if p.prev != nil {
		hint = p.prev.created.fn
	}
	ref := frameRef{fn: p.t.fnHint(name, hint)}
	ref.file, ref.line = p.location(l, p.t.fileOf[ref.fn])
	p.t.fileOf[ref.fn] = ref.file
	return ref, creator
}

func (p *textParser) endSection(g *Goroutine, refs []frameRef, created frameRef, elided, at int, ancestor int64) {
	if ancestor >= 0 {
		g.Ancestors = append(g.Ancestors, Ancestor{ID: ancestor, Stack: p.t.stack(refs, created, elided, at)})
		return
	}
	if p.prev == nil || !p.prev.matches(refs, created, elided, at) {
		p.prev = p.t.stackEntry(refs, created, elided, at)
	}
	g.Stack = p.prev.stack
}

func (p *textParser) isDuplicate(id int64) bool {
	if id == 0 || p.seen == nil {
		return false
	}
	if _, dup := p.seen[id]; dup {
		return true
	}
	p.seen[id] = struct{}{}
	return false
}

func (p *textParser) hasContent() bool {
	return len(p.buf) > p.first || len(p.cur.Races) > 0 || p.debug1
}

// newSnapshot closes the current snapshot and starts the next one with
// the line last read.
func (p *textParser) newSnapshot() {
	p.finishSnapshot()
	p.cur = &Snapshot{}
	p.curStart = p.lineStart
	p.first = len(p.buf)
	p.debug1 = false
	p.crashPending = false
	p.inThreads = false
	clear(p.seen)
}

// mark notes where the current snapshot starts when it gets its first
// content.
func (p *textParser) mark() {
	if p.curStart < 0 {
		p.curStart = p.lineStart
	}
}

func (p *textParser) finishSnapshot() {
	s := p.cur
	s.Goroutines = p.buf[p.first:len(p.buf):len(p.buf)]
	if len(s.Goroutines) == 0 && s.Crash == nil && len(s.Races) == 0 && !p.debug1 {
		return
	}
	if p.curStart >= 0 {
		end := p.curStart
		if p.prefix == collectorPrefix {
			// Every line is stamped: the dump's own first line says when
			// it was written.
			end = lineEnd(p.data, end)
		}
		s.CapturedAt = logTimeBefore(p.data, end, p.prevStart)
		p.prevStart = p.curStart
	}
	if c := s.Crash; c != nil && len(c.Threads) > 0 && c.Threads[0].Registers == nil {
		c.Threads[0].Registers = c.Registers
	}
	switch {
	case p.debug1:
		s.Format = FormatDebug1
	case s.Crash != nil:
		s.Format, s.StatesKnown = FormatCrash, true
	case len(s.Goroutines) > 0:
		s.Format, s.StatesKnown = FormatDebug2, true
	default:
		s.Format = FormatRace
	}
	if !p.debug1 {
		s.Total = len(s.Goroutines)
		if p.seen == nil && hasRepeatedIDs(s.Goroutines) {
			p.repeatedIDs = true
		}
	}
	p.snaps = append(p.snaps, s)
}

// hasRepeatedIDs reports whether two goroutines have the same non-zero id
// (goroutine 0 is each thread's scheduler stack).
func hasRepeatedIDs(gs []Goroutine) bool {
	ids := make([]int64, 0, len(gs))
	for i := range gs {
		if gs[i].ID != 0 {
			ids = append(ids, gs[i].ID)
		}
	}
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			return true
		}
	}
	return false
}

// funcEnd returns the index of the '(' that opens the arguments of a
// function line such as "net/http.(*conn).serve(0xc000, {0x1, 0x2})", or
// -1 when the line is not one.
func funcEnd(l []byte) int {
	if len(l) < 3 || l[len(l)-1] != ')' {
		return -1
	}
	i := lastIndexByte(l, '(')
	if i <= 0 || bytes.IndexByte(l[:i], ' ') >= 0 {
		return -1
	}
	return i
}

// fileLine splits "file:line[ +0x1f][ fp=… sp=… pc=…]".
func fileLine(b []byte) (file []byte, line int, ok bool) {
	c := lastIndexByte(b, ':')
	if c < 0 {
		return b, 0, false
	}
	n, j, ok := parseDec(b, c+1)
	if !ok || j < len(b) && b[j] != ' ' || n > 1<<31-1 {
		return b, 0, false
	}
	return b[:c], int(n), true
}

// parseElided reads "...additional frames elided..." (any Go version, and
// ancestors) and "...N frames elided..." (Go 1.21+).
func parseElided(l []byte) (int, bool) {
	if string(l) == "...additional frames elided..." {
		return ElidedUncounted, true
	}
	if n, j, ok := parseDec(l, 3); ok && hasPrefix(l, "...") && string(l[j:]) == " frames elided..." {
		return int(n), true
	}
	return 0, false
}
