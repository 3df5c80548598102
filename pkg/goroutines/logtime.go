package goroutines

import (
	"bytes"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// Bounds of the search for a dump's log time: the lines a program logged
// just before it died are near the dump, and a long log must not be read
// line by line backwards.
const (
	maxLogTimeLines = 256
	maxLogTimeBytes = 64 << 10
)

// logTimeBefore returns the time stamp of the nearest log line that ends
// by offset start (where a dump starts), looking no further back than bound
// (where the dump before it starts); zero when there is none. Loggers
// usually stamp the lines a service writes before it crashes (the standard
// log package's "2026/12/01 10:00:00", slog's time=…, JSON "time" fields),
// while the runtime's own output carries no time.
func logTimeBefore(data []byte, start, bound int) time.Time {
	bound = max(bound, start-maxLogTimeBytes, 0)
	end := start
	for n := 0; n < maxLogTimeLines && end > bound; n++ {
		lineStart := bytes.LastIndexByte(data[bound:end-1], '\n') + 1 + bound
		line := bytes.TrimRight(data[lineStart:end], "\r\n")
		if t, ok := dumpformat.TimeFromLogLine(line, time.UTC); ok {
			return t
		}
		end = lineStart
	}
	return time.Time{}
}

// lineEnd returns the offset just past the line that starts at offset i.
func lineEnd(data []byte, i int) int {
	if j := bytes.IndexByte(data[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(data)
}
