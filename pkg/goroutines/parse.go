package goroutines

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// Parse detects the format of a dump and parses it: debug=2 text, crash
// output, race detector reports, debug=1 text or a protobuf profile, plain
// or gzipped. When only part of the input can be read, Parse returns what it
// read together with an error; it returns a nil snapshot only when nothing
// could be read. When the input holds several dumps (for instance a debug=2
// dump followed by a crash), Parse returns the first and an error wrapping
// ErrMultipleDumps; ParseAll returns them all.
//
// Gzip is undone by dumpformat.Decode within lim, which refuses gzip inside
// gzip and never hands back a cut result; a protobuf profile is bounded by
// lim before it is decoded. Stacks deeper than dumpformat.MaxStackDepth
// frames are cut to their innermost frames (Snapshot.CutStacks).
func Parse(data []byte, lim dumpformat.Limits) (*Snapshot, error) {
	snaps, err := ParseAll(data, lim)
	if len(snaps) == 0 {
		return nil, err
	}
	if len(snaps) > 1 {
		kinds := make([]string, len(snaps))
		for i, s := range snaps {
			kinds[i] = string(s.Format)
		}
		err = errors.Join(err, fmt.Errorf("%w: %d dumps (%s); the first is returned", ErrMultipleDumps, len(snaps), strings.Join(kinds, ", ")))
	}
	return snaps[0], err
}

// ParseAll parses every dump in the input, in order.
func ParseAll(data []byte, lim dumpformat.Limits) ([]*Snapshot, error) {
	data, _, err := dumpformat.Decode(data, lim)
	if err != nil {
		return nil, err
	}
	if isBinary(data) {
		s, err := ParseProtobuf(data, lim)
		if err != nil {
			return nil, err
		}
		return []*Snapshot{s}, nil
	}
	return ParseText(data)
}

// ParseText parses the text formats: debug=2 dumps, crash output, race
// detector reports and debug=1 text, including several of them in a row.
func ParseText(data []byte) ([]*Snapshot, error) {
	p := newTextParser(data, false)
	snaps := p.run()
	if p.repeatedIDs {
		p = newTextParser(data, true)
		snaps = p.run()
	}
	if len(snaps) == 0 {
		p.errs.add(noGoroutinesError(data))
	}
	return snaps, p.errs.err()
}

// Detect tells the format of a dump from its first 64 KiB (decompressed
// when gzipped), without parsing it. It returns "" when it sees no dump.
func Detect(data []byte) Format {
	const headSize = 64 << 10
	head := data
	if isGzip(data) {
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			buf := make([]byte, headSize)
			n, _ := io.ReadFull(zr, buf)
			head = buf[:n]
		}
	}
	if isBinary(head) {
		return FormatProtobuf
	}
	if len(head) > headSize {
		head = head[:headSize]
	}
	switch {
	case bytes.Contains(head, []byte(" profile: total ")):
		return FormatDebug1
	case bytes.Contains(head, []byte("panic: ")), bytes.Contains(head, []byte("fatal error: ")),
		bytes.Contains(head, []byte("SIGQUIT: ")), bytes.Contains(head, []byte("SIGABRT: ")):
		return FormatCrash
	case bytes.Contains(head, []byte("goroutine ")):
		return FormatDebug2
	case bytes.Contains(head, []byte("WARNING: DATA RACE")):
		return FormatRace
	}
	return ""
}

func isGzip(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

// isBinary reports whether data starts with bytes that no text dump holds.
func isBinary(data []byte) bool {
	if len(data) > 256 {
		data = data[:256]
	}
	for _, c := range data {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			return true
		}
	}
	return false
}

func noGoroutinesError(data []byte) error {
	first := data
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	if len(first) > 80 {
		first = first[:80]
	}
	if name, ok := profileHeader(bytes.TrimSpace(first)); ok {
		return fmt.Errorf("%w: %s profile", ErrNotGoroutineProfile, name)
	}
	if bytes.Contains(first, []byte(" profile: ")) {
		return fmt.Errorf("%w: %q", ErrNotGoroutineProfile, first)
	}
	if len(data) == 0 {
		return fmt.Errorf("%w: empty input", ErrNoGoroutines)
	}
	return fmt.Errorf("%w (input starts %q)", ErrNoGoroutines, first)
}
