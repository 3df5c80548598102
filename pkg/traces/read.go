package traces

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"golang.org/x/exp/trace"
)

// Trace format versions: the header names the Go release that introduced
// the format ("go 1.23 trace" is written by Go 1.23 and 1.24, "go 1.26
// trace" by Go 1.26 and 1.27).
const (
	oldestFormat = 22
	newestFormat = 26
)

// DefaultMaxGenerationBytes bounds the bytes of one trace generation. The
// reader decodes a generation (about one second of trace in a real program)
// whole before it yields its events, so this is what bounds its memory.
const DefaultMaxGenerationBytes = 256 << 20

// ErrNotTrace is wrapped by the error for input that is no Go execution
// trace.
var ErrNotTrace = errors.New("not a Go execution trace")

// ErrUnsupportedVersion is wrapped by the error for traces in a format this
// package does not read.
var ErrUnsupportedVersion = errors.New("unsupported execution trace version")

var traceMagic = []byte("go 1.")

// FormatVersion returns the minor Go version in a trace header ("go 1.23
// trace" gives 23), or an error that says what the input is instead.
func FormatVersion(header []byte) (int, error) {
	if !bytes.HasPrefix(header, traceMagic) {
		n := min(len(header), 16)
		return 0, fmt.Errorf("%w: it starts with %q, not \"go 1.N trace\"", ErrNotTrace, header[:n])
	}
	rest := header[len(traceMagic):]
	end := bytes.IndexByte(rest, ' ')
	if end <= 0 || !bytes.HasPrefix(rest[end:], []byte(" trace")) {
		return 0, fmt.Errorf("%w: malformed header %q", ErrNotTrace, header[:min(len(header), 16)])
	}
	v, err := strconv.Atoi(string(rest[:end]))
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%w: malformed version in header %q", ErrNotTrace, header[:min(len(header), 16)])
	}
	return v, nil
}

func checkVersion(v int) error {
	switch {
	case v < oldestFormat:
		return fmt.Errorf("%w: this is a Go 1.%d execution trace (the format of Go 1.11 to 1.21); "+
			"traces are read from Go 1.22 on, whose format can be read as a stream: "+
			"capture the trace with Go 1.22 or later, or open it with `go tool trace` of Go 1.21", ErrUnsupportedVersion, v)
	case v > newestFormat:
		return fmt.Errorf("%w: this trace is in the format of Go 1.%d, newer than the newest this plugin reads "+
			"(Go 1.%d, also written by Go 1.27); update the plugin", ErrUnsupportedVersion, v, newestFormat)
	}
	return nil
}

// eventReader yields the events of a trace and enforces the generation
// budget.
type eventReader struct {
	r       *trace.Reader
	counted *countingReader
	version int
	// syncBytes is the byte offset at the last Sync event: bytes read past
	// it belong to the generation being decoded.
	syncBytes  int64
	maxGen     int64
	overBudget bool
}

type countingReader struct {
	r io.Reader
	n int64
	// err is the first error of the source other than io.EOF, which the
	// trace reader may report only as a damaged trace.
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// budgetReader fails a read that would take the current generation past
// its budget, before the bytes reach the trace reader's buffers.
type budgetReader struct{ e *eventReader }

func (b budgetReader) Read(p []byte) (int, error) {
	e := b.e
	if e.counted.n-e.syncBytes >= e.maxGen {
		e.overBudget = true
		return 0, e.budgetError()
	}
	if room := e.maxGen - (e.counted.n - e.syncBytes); int64(len(p)) > room {
		p = p[:room]
	}
	return e.counted.Read(p)
}

var errGenerationTooLarge = errors.New("trace generation too large")

func (e *eventReader) budgetError() error {
	return fmt.Errorf("%w: one generation of the trace is over %d KiB, the limit (a real program writes a generation about every second)",
		errGenerationTooLarge, e.maxGen>>10)
}

// cause is what made reading fail: the generation budget, the source's own
// error, or what the trace reader says.
func (e *eventReader) cause(err error) error {
	switch {
	case e.overBudget:
		return e.budgetError()
	case e.counted.err != nil:
		return e.counted.err
	}
	return err
}

func newEventReader(r io.Reader, maxGen int64) (*eventReader, error) {
	if maxGen <= 0 {
		maxGen = DefaultMaxGenerationBytes
	}
	br := bufio.NewReader(r)
	header, err := br.Peek(16)
	if len(header) == 0 {
		if err == nil || err == io.EOF {
			return nil, fmt.Errorf("%w: the input is empty", ErrNotTrace)
		}
		return nil, err
	}
	v, verr := FormatVersion(header)
	if verr != nil {
		return nil, verr
	}
	if err := checkVersion(v); err != nil {
		return nil, err
	}
	e := &eventReader{counted: &countingReader{r: br}, version: v, maxGen: maxGen}
	tr, err := trace.NewReader(budgetReader{e})
	if err != nil {
		return nil, fmt.Errorf("reading the Go 1.%d trace header: %w", v, err)
	}
	e.r = tr
	return e, nil
}

// next returns the next event, io.EOF at the end, or the reader's error.
func (e *eventReader) next() (trace.Event, error) {
	ev, err := e.r.ReadEvent()
	if err != nil {
		return ev, err
	}
	if ev.Kind() == trace.EventSync {
		e.syncBytes = e.counted.n
	}
	return ev, nil
}
