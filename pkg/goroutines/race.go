package goroutines

import (
	"bytes"
	"strings"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// Race is one race detector report ("WARNING: DATA RACE").
type Race struct {
	// Accesses are the conflicting memory accesses, the current one first.
	Accesses []RaceAccess
	// Goroutines say where the goroutines involved were started.
	Goroutines []RaceGoroutine
	// Notes are the report's other lines, such as "Location is global
	// 'counter' of size 8 at 0x… (main+0x…)".
	Notes []string
	// Test is the test that was running, from the last "=== RUN" or
	// "=== CONT" line of `go test -v` before the report; empty otherwise.
	Test string
}

// RaceAccess is "Write at 0x… by goroutine 7:" and its stack.
type RaceAccess struct {
	// Kind is "Read", "Write", "Previous write", "Atomic read", ...
	Kind string
	// Address is the accessed address as printed.
	Address string
	// Goroutine is the accessing goroutine (1 for "main goroutine").
	Goroutine int64
	Stack     *Stack
}

// RaceGoroutine is "Goroutine 7 (running) created at:" and its stack.
type RaceGoroutine struct {
	ID int64
	// Status is "running" or "finished".
	Status    string
	CreatedAt *Stack
}

const raceSeparator = "=================="

// race reads a report up to its closing separator line.
func (p *textParser) race() {
	r := Race{Test: p.lastTest}
	var section func(*Stack)
	refs := p.refs[:0]
	skipped := 0
	flush := func() {
		if section != nil {
			p.noteCut(len(refs), skipped)
			section(p.t.stack(refs, noFrame, 0, 0))
		}
		section, refs, skipped = nil, refs[:0], 0
	}
	for {
		l, ok := p.next()
		if !ok || string(l) == raceSeparator {
			break
		}
		t := trimSpaces(l)
		switch {
		case len(t) == 0:
			flush()
		case l[0] == ' ' && funcEnd(t) > 0 && len(refs) == dumpformat.MaxStackDepth:
			skipped++
			p.raceLocation()
		case l[0] == ' ' && funcEnd(t) > 0:
			fn := funcEnd(t)
			ref := frameRef{fn: p.t.fn(t[:fn])}
			ref.file, ref.line = p.raceLocation()
			refs = append(refs, ref)
		case l[0] != ' ' && t[len(t)-1] == ':':
			flush()
			section = p.raceSection(&r, t[:len(t)-1])
		default:
			r.Notes = append(r.Notes, string(t))
		}
	}
	flush()
	p.refs = refs[:0]
	p.cur.Races = append(p.cur.Races, r)
}

// raceLocation reads the indented "file:line +0x…" line after a frame.
func (p *textParser) raceLocation() (uint32, int32) {
	start := p.pos
	l, ok := p.next()
	t := trimSpaces(l)
	if !ok || len(t) == 0 || l[0] != ' ' {
		if ok {
			p.unread(start)
		}
		return p.t.fileString(""), 0
	}
	f, n, ok := fileLine(t)
	if !ok {
		p.errs.syntax(p.line, "malformed file line in race report", l)
	}
	return p.t.file(f), int32(n)
}

// raceSection starts a section from its title and returns what to do with
// the stack that follows.
func (p *textParser) raceSection(r *Race, title []byte) func(*Stack) {
	if hasPrefix(title, "Goroutine ") {
		id, i, _ := parseDec(title, len("Goroutine "))
		g := RaceGoroutine{ID: id}
		if rest := title[i:]; hasPrefix(rest, " (") {
			if end := bytes.IndexByte(rest, ')'); end > 2 {
				g.Status = string(rest[2:end])
			}
		}
		return func(s *Stack) {
			g.CreatedAt = s
			r.Goroutines = append(r.Goroutines, g)
		}
	}
	at := bytes.Index(title, []byte(" at "))
	by := bytes.LastIndex(title, []byte(" by "))
	if at < 0 || by < at+len(" at ") {
		r.Notes = append(r.Notes, string(title)+":")
		return nil
	}
	a := RaceAccess{Kind: string(title[:at]), Address: string(title[at+len(" at ") : by])}
	who := string(title[by+len(" by "):])
	if who == "main goroutine" {
		a.Goroutine = 1
	} else if id, _, ok := parseDec(title, by+len(" by goroutine ")); ok && strings.HasPrefix(who, "goroutine ") {
		a.Goroutine = id
	}
	return func(s *Stack) {
		a.Stack = s
		r.Accesses = append(r.Accesses, a)
	}
}
