package dumpformat

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

var (
	// goroutine 1 [running]:, goroutine 1 gp=0x… m=0 mp=0x… [running]:
	goroutineHeader = regexp.MustCompile(`^goroutine \d+ (?:\[|gp=)`)
	// goroutine profile: total 18, threadcreate profile: total 7, …
	countProfileHeader = regexp.MustCompile(`^(\w+) profile: total \d+`)
	// The first line the runtime prints when a program dies or is asked to
	// dump itself.
	crashMarker = regexp.MustCompile(`^(?:panic: |fatal error: |SIG[A-Z0-9]+: |unexpected fault address )`)

	htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
)

var (
	utf8BOM    = []byte("\xef\xbb\xbf")
	raceMarker = []byte("WARNING: DATA RACE")
)

// detectText classifies text from its first line, or, for goroutine dumps and
// crash output, from the first goroutine header or crash marker: test runners
// and loggers often print lines of their own before those.
func detectText(head []byte) Detection {
	head = bytes.TrimPrefix(head, utf8BOM)
	first := firstLine(head)
	if m := countProfileHeader.FindStringSubmatch(first); m != nil {
		return countProfile(m[1], first)
	}
	switch {
	case strings.HasPrefix(first, "heap profile: "):
		return Detection{Format: HeapDebug1, Detail: first}
	case first == "--- contention:":
		return Detection{Format: BlockDebug1, Detail: first}
	case first == "--- mutex:":
		return Detection{Format: MutexDebug1, Detail: first}
	}
	if isHTML(head) {
		return detectHTML(head)
	}
	races := 0
	for line := range bytes.Lines(head) {
		line = trimLogPrefix(bytes.TrimRight(line, "\r\n"))
		switch {
		case bytes.HasPrefix(line, raceMarker):
			// Race reports come before any crash of the same run: read on
			// to tell a race log from a crash that reported races first.
			races++
		case crashMarker.Match(line):
			return Detection{Format: CrashText, Detail: clip(string(line))}
		case goroutineHeader.Match(line):
			if races > 0 {
				return Detection{Format: CrashText, Detail: string(raceMarker)}
			}
			return Detection{Format: GoroutineText}
		}
	}
	if races > 0 {
		return Detection{Format: RaceText, Detail: pluralize(races, "data race report")}
	}
	return unknown(textReason(first))
}

// trimLogPrefix removes what a log collector or an indentation put before a
// line of a dump (see LogPrefixLen).
func trimLogPrefix(line []byte) []byte {
	return bytes.TrimLeft(line[LogPrefixLen(line):], " \t")
}

// journalLine is the prefix journalctl puts before each line of a unit's
// output, in its default and its short-iso formats:
// "Dec 06 05:06:51 host service[1234]: ", "2026-12-06T05:06:51+0000 host service[1234]: ".
var journalLine = regexp.MustCompile(`^(?:[A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) \S+ [^\s\[:]+(?:\[\d+\])?: `)

// LogPrefixLen returns the length of what a log collector put before a line
// of a program's output, 0 when nothing: an RFC 3339 time stamp and a space
// (kubectl logs --timestamps, docker logs -t), followed by a container
// runtime's stream and tag in its log files ("stderr F "), or journalctl's
// time, host and unit ("Dec 06 05:06:51 host service[1234]: ").
func LogPrefixLen(line []byte) int {
	if len(line) < 16 {
		return 0
	}
	if n := stampPrefixLen(line); n > 0 {
		return n
	}
	if c := line[0]; c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		if m := journalLine.FindIndex(line); m != nil {
			return m[1]
		}
	}
	return 0
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
		if rest := l[i:]; bytes.HasPrefix(rest, []byte(stream)) && len(rest) > len(stream)+1 && rest[len(stream)+1] == ' ' {
			if tag := rest[len(stream)]; tag == 'F' || tag == 'P' {
				return i + len(stream) + 2
			}
		}
	}
	return i
}

func pluralize(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func countProfile(name, header string) Detection {
	switch name {
	case "goroutine":
		return Detection{Format: GoroutineDebug1, Detail: header}
	case "goroutineleak":
		return Detection{Format: GoroutineLeakDebug1, Detail: header}
	case "threadcreate":
		return Detection{Format: ThreadcreateDebug1, Detail: header}
	}
	return unknown(fmt.Sprintf("a %q profile in debug=1 text: only the Go runtime's profiles are supported", name))
}

func firstLine(text []byte) string {
	for line := range bytes.Lines(text) {
		if s := strings.TrimSpace(string(line)); s != "" {
			return s
		}
	}
	return ""
}

func isHTML(head []byte) bool {
	start := bytes.ToLower(bytes.TrimSpace(head[:min(len(head), 1024)]))
	return bytes.HasPrefix(start, []byte("<!doctype html")) || bytes.HasPrefix(start, []byte("<html")) ||
		(bytes.HasPrefix(start, []byte("<")) && bytes.Contains(start, []byte("<html")))
}

// detectHTML accepts the net/http/pprof index page and explains any other
// page, which is usually an error or login page saved in place of a dump.
func detectHTML(head []byte) Detection {
	if bytes.Contains(head, []byte("<title>/debug/pprof/</title>")) ||
		bytes.Contains(head, []byte("Types of profiles available:")) {
		return Detection{Format: Index}
	}
	if m := htmlTitle.FindSubmatch(head); m != nil {
		if title := strings.Join(strings.Fields(string(m[1])), " "); title != "" {
			return unknown(fmt.Sprintf("an HTML page titled %q, not a Go dump (an error or login page saved in its place?)", clip(title)))
		}
	}
	return unknown("an HTML page, not a Go dump (an error or login page saved in its place?)")
}

func textReason(first string) string {
	if strings.HasPrefix(first, "HTTP/") {
		return "an HTTP response with its headers: save the response body only (curl without -i)"
	}
	if strings.HasPrefix(first, "{") || strings.HasPrefix(first, "[") {
		return fmt.Sprintf("JSON, not a Go dump; it starts with %q", clip(first))
	}
	return fmt.Sprintf("text that is not a Go dump or profile; it starts with %q", clip(first))
}

// clip shortens s to a length that fits in a message or a table cell.
func clip(s string) string {
	const maxLen = 120
	if len(s) <= maxLen {
		return s
	}
	cut := maxLen
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
