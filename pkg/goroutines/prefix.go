package goroutines

import "bytes"

// A dump rarely reaches a person as the runtime wrote it: log collectors
// put a time stamp before every line, and a dump pasted into a document or
// a ticket is indented. The parser strips such a prefix from every line
// when the input's first line has one.
type linePrefix uint8

const (
	noPrefix linePrefix = iota
	// indentPrefix is white space before every line.
	indentPrefix
	// stampPrefix is an RFC 3339 time stamp and a space before each line,
	// as `kubectl logs --timestamps` and `docker logs -t` write, optionally
	// followed by the stream and tag of a container runtime's log file
	// ("2026-12-01T10:00:00.123456789Z stderr F ").
	stampPrefix
)

// detectPrefix looks at the first non-empty line. For indentation, the
// prefix is the least indentation of any non-empty line, so the relative
// indentation of frames and file lines survives.
func detectPrefix(data []byte) (linePrefix, int) {
	first := bytes.TrimLeft(data, "\r\n")
	if stampPrefixLen(first) > 0 {
		return stampPrefix, 0
	}
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

// stripPrefix removes the input's line prefix from one line.
func (p *textParser) stripPrefix(l []byte) []byte {
	switch p.prefix {
	case indentPrefix:
		for i := 0; i < p.prefixLen && len(l) > 0 && (l[0] == ' ' || l[0] == '\t'); i++ {
			l = l[1:]
		}
	case stampPrefix:
		l = l[stampPrefixLen(l):]
	}
	return l
}

// stampPrefixLen returns the length of "2026-12-01T10:00:00[.frac](Z|±hh:mm) "
// and of a following "stdout F " or "stderr P " at the start of l, 0 when
// l does not start with a stamp.
func stampPrefixLen(l []byte) int {
	const layout = "dddd-dd-ddTdd:dd:dd"
	if len(l) < len(layout)+2 {
		return 0
	}
	for i := 0; i < len(layout); i++ {
		c := l[i]
		if layout[i] == 'd' && (c < '0' || c > '9') || layout[i] != 'd' && c != layout[i] {
			return 0
		}
	}
	i := len(layout)
	if l[i] == '.' {
		i++
		for i < len(l) && l[i] >= '0' && l[i] <= '9' {
			i++
		}
	}
	switch {
	case i < len(l) && l[i] == 'Z':
		i++
	case i+6 <= len(l) && (l[i] == '+' || l[i] == '-') && l[i+3] == ':':
		i += 6
	default:
		return 0
	}
	if i >= len(l) || l[i] != ' ' {
		return 0
	}
	i++
	for _, stream := range []string{"stdout ", "stderr "} {
		if hasPrefixAt(l, i, stream) && i+len(stream)+1 < len(l) && l[i+len(stream)+1] == ' ' {
			if tag := l[i+len(stream)]; tag == 'F' || tag == 'P' {
				return i + len(stream) + 2
			}
		}
	}
	return i
}
