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
	// 2026-12-01T10:00:00.123456789Z [stderr F ] before a collected line.
	stampedLine = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}) (?:std(?:out|err) [FP] )?`)
	htmlTitle   = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)
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
// line of a dump: white space, or a time stamp such as kubectl logs
// --timestamps writes, with a container runtime's stream and tag after it.
func trimLogPrefix(line []byte) []byte {
	if len(line) > 0 && line[0] >= '0' && line[0] <= '9' {
		if m := stampedLine.FindIndex(line); m != nil {
			line = line[m[1]:]
		}
	}
	return bytes.TrimLeft(line, " \t")
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
