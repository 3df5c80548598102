package goroutines

import (
	"bytes"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// A dump rarely reaches a person as the runtime wrote it: log collectors
// put a time stamp before every line, and a dump pasted into a document or
// a ticket is indented. The parser strips such a prefix from every line
// that has it.
type linePrefix uint8

const (
	noPrefix linePrefix = iota
	// indentPrefix is white space before every line.
	indentPrefix
	// collectorPrefix is what dumpformat.LogPrefixLen recognises: kubectl
	// and docker time stamps, container runtime log files, journalctl.
	collectorPrefix
)

// detectPrefix decides how the input's lines are prefixed. A collector's
// prefix is looked for on the first line of a dump (a goroutine header or
// a race report), not on the first line of the input, so that a program
// whose own log lines start with a time stamp is not taken for a collected
// log. For indentation, the prefix is the least indentation of any
// non-empty line, so the relative indentation of frames and file lines
// survives.
func detectPrefix(data []byte) (linePrefix, int) {
	if line := firstDumpLine(data); line != nil && dumpformat.LogPrefixLen(line) > 0 {
		return collectorPrefix, 0
	}
	first := bytes.TrimLeft(data, "\r\n")
	if len(first) == 0 || first[0] != ' ' && first[0] != '\t' {
		return noPrefix, 0
	}
	least := -1
	for rest := first; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		n := 0
		for n < len(line) && (line[n] == ' ' || line[n] == '\t') {
			n++
		}
		if n == len(line) || n == len(line)-1 && line[n] == '\r' {
			continue
		}
		if least < 0 || n < least {
			least = n
		}
		if least == 0 {
			return noPrefix, 0
		}
	}
	return indentPrefix, max(least, 0)
}

// firstDumpLine returns the first line holding a goroutine header or a
// race report's title, nil when there is none.
func firstDumpLine(data []byte) []byte {
	at := -1
	for _, marker := range [][]byte{[]byte("WARNING: DATA RACE"), []byte("goroutine ")} {
		for from := 0; ; {
			i := bytes.Index(data[from:], marker)
			if i < 0 {
				break
			}
			i += from
			end := i + len(marker)
			if marker[0] == 'W' || end < len(data) && data[end] >= '0' && data[end] <= '9' {
				if at < 0 || i < at {
					at = i
				}
				break
			}
			from = end
		}
	}
	if at < 0 {
		return nil
	}
	start := bytes.LastIndexByte(data[:at], '\n') + 1
	end := len(data)
	if i := bytes.IndexByte(data[at:], '\n'); i >= 0 {
		end = at + i
	}
	return bytes.TrimRight(data[start:end], "\r")
}

// stripPrefix removes the input's line prefix from one line.
func (p *textParser) stripPrefix(l []byte) []byte {
	switch p.prefix {
	case indentPrefix:
		for i := 0; i < p.prefixLen && len(l) > 0 && (l[0] == ' ' || l[0] == '\t'); i++ {
			l = l[1:]
		}
	case collectorPrefix:
		l = l[dumpformat.LogPrefixLen(l):]
	}
	return l
}
