package goroutines

import (
	"errors"
	"fmt"
)

var (
	// ErrNoGoroutines is returned when the input holds no goroutine dump.
	ErrNoGoroutines = errors.New("no goroutine dump found")
	// ErrMultipleDumps is returned by Parse when the input holds more than
	// one dump; ParseAll returns them all.
	ErrMultipleDumps = errors.New("input holds more than one dump")
	// ErrTruncated is returned when the input ends inside a goroutine.
	ErrTruncated = errors.New("dump is truncated")
	// ErrNotGoroutineProfile is returned for pprof data of another profile
	// (heap, threadcreate, ...).
	ErrNotGoroutineProfile = errors.New("not a goroutine profile")
)

// SyntaxError is a line that could not be understood; the parser skips it
// and goes on.
type SyntaxError struct {
	Line   int
	Reason string
	Text   string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d: %s: %q", e.Line, e.Reason, e.Text)
}

// maxErrors bounds the errors kept from one parse; garbage input would
// otherwise produce one per line.
const maxErrors = 10

type errorList struct {
	errs    []error
	dropped int
}

func (l *errorList) add(err error) {
	if len(l.errs) < maxErrors {
		l.errs = append(l.errs, err)
		return
	}
	l.dropped++
}

func (l *errorList) syntax(line int, reason string, text []byte) {
	if len(l.errs) >= maxErrors {
		l.dropped++
		return
	}
	if len(text) > 120 {
		text = text[:120]
	}
	l.add(&SyntaxError{Line: line, Reason: reason, Text: string(text)})
}

func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	errs := l.errs
	if l.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("%d more errors", l.dropped))
	}
	return errors.Join(errs...)
}
