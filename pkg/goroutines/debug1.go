package goroutines

import (
	"bytes"
	"fmt"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// profileHeader matches "goroutine profile: total N" and the other
// "<name> profile: total N" first lines of debug=1 text.
func profileHeader(l []byte) (string, bool) {
	i := bytes.Index(l, []byte(" profile: total "))
	if i <= 0 || bytes.IndexByte(l[:i], ' ') >= 0 {
		return "", false
	}
	if _, j, ok := parseDec(l, i+len(" profile: total ")); !ok || j != len(l) {
		return "", false
	}
	return string(l[:i]), true
}

// profileText reads goroutine?debug=1 text (also the goroutineleak
// profile):
//
//	goroutine profile: total 18
//	4 @ 0x48c26a 0x418c9c 0x680c1e 0x493161
//	# labels: {"pool":"a"}
//	#	0x680c1d	main.leaky.func1+0x1d	/src/main.go:24
func (p *textParser) profileText(name string) {
	if p.hasContent() {
		p.newSnapshot()
	}
	header, _ := p.next()
	if name != "goroutine" && name != "goroutineleak" {
		p.errs.add(fmt.Errorf("%w: line %d: %q", ErrNotGoroutineProfile, p.line, header))
		p.skipRecords()
		return
	}
	p.debug1 = true
	p.cur.Profile = name
	declared, _, _ := parseDec(header, len(name)+len(" profile: total "))
	leaked := name == "goroutineleak"
	sum := 0
	for {
		start := p.pos
		l, ok := p.next()
		if !ok {
			break
		}
		if len(l) == 0 {
			continue
		}
		if l[0] < '0' || l[0] > '9' {
			p.unread(start)
			break
		}
		count, i, ok := parseDec(l, 0)
		if !ok || !hasPrefixAt(l, i, " @") || count < 1 || count > 1<<31 {
			p.errs.syntax(p.line, "malformed record", l)
			continue
		}
		g := Goroutine{Count: int(count), Leaked: leaked}
		p.record(&g, l[i+2:])
		p.buf = append(p.buf, g)
		sum += g.Count
	}
	p.cur.Total = sum
	if int64(sum) != declared {
		p.errs.add(fmt.Errorf("%w: %s profile declares %d goroutines, its records count %d", ErrTruncated, name, declared, sum))
	}
}

// skipRecords skips the records of a profile that is not about goroutines.
func (p *textParser) skipRecords() {
	for {
		start := p.pos
		l, ok := p.next()
		if !ok {
			return
		}
		if len(l) > 0 && l[0] != '#' && (l[0] < '0' || l[0] > '9') {
			p.unread(start)
			return
		}
	}
}

// record reads the "# labels:" and "#\tpc\tfunc+off\tfile:line" lines of one
// record; pcs is the record's address list, the stack when it has no
// symbolized frames.
func (p *textParser) record(g *Goroutine, pcs []byte) {
	refs := p.refs[:0]
	skipped := 0
	for {
		start := p.pos
		l, ok := p.next()
		if !ok || len(l) == 0 || l[0] != '#' {
			if ok {
				p.unread(start)
			}
			break
		}
		if hasPrefix(l, "# labels: ") {
			if labels, ok := p.t.labelSet(trimSpaces(l[len("# labels: "):])); ok {
				g.Labels = labels
			} else {
				p.errs.syntax(p.line, "malformed labels", l)
			}
			continue
		}
		if len(refs) == dumpformat.MaxStackDepth {
			skipped++
			continue
		}
		ref, ok := p.profileFrame(l[1:])
		if !ok {
			p.errs.syntax(p.line, "malformed frame", l)
			continue
		}
		refs = append(refs, ref)
	}
	if len(refs) == 0 {
		for pcs = trimSpaces(pcs); len(pcs) > 0; pcs = trimSpaces(pcs) {
			end := bytes.IndexAny(pcs, " \t")
			if end < 0 {
				end = len(pcs)
			}
			if len(refs) < dumpformat.MaxStackDepth {
				refs = append(refs, frameRef{fn: p.t.fn(pcs[:end]), file: p.t.fileString("")})
			} else {
				skipped++
			}
			pcs = pcs[end:]
		}
	}
	p.noteCut(len(refs), skipped)
	g.Stack = p.t.stack(refs, noFrame, 0, 0)
	p.refs = refs[:0]
}

// profileFrame reads "\t0xpc\tfunc+0xoff\t\tfile:line".
func (p *textParser) profileFrame(b []byte) (frameRef, bool) {
	field := func() []byte {
		for len(b) > 0 && (b[0] == '\t' || b[0] == ' ') {
			b = b[1:]
		}
		i := bytes.IndexByte(b, '\t')
		if i < 0 {
			f := b
			b = nil
			return f
		}
		f := b[:i]
		b = b[i:]
		return f
	}
	pc := field()
	if !hasPrefix(pc, "0x") {
		return frameRef{}, false
	}
	fn := field()
	if len(fn) == 0 {
		// An unsymbolized frame: "#\t0xpc" alone.
		return frameRef{fn: p.t.fn(pc), file: p.t.fileString("")}, true
	}
	if k := bytes.LastIndex(fn, []byte("+0x")); k > 0 {
		fn = fn[:k]
	}
	ref := frameRef{fn: p.t.fn(fn)}
	file, line, ok := fileLine(trimSpaces(b))
	if !ok {
		file, line = trimSpaces(b), 0
	}
	ref.file, ref.line = p.t.file(file), int32(line)
	return ref, true
}
