package dumpformat

import (
	"bytes"
	"regexp"
	"strconv"
	"time"
)

// Time stamps that loggers put on their lines: the standard library's log
// ("2026/12/01 10:00:00", with microseconds on request), RFC 3339 from
// log/slog, logrus, zap's ISO 8601 encoder, kubectl and docker --timestamps,
// and "2026-12-01 10:00:00,123" from other languages' loggers.
var logStamp = regexp.MustCompile(`(?:^|[^\d])(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?(?:[^\d]|$)`)

// epochStamp is a keyed Unix time in seconds, as zap's JSON encoder writes
// it by default ("ts":1764583200.123456).
var epochStamp = regexp.MustCompile(`^(\d{10})(?:\.(\d{1,9}))?(?:[^\d]|$)`)

// leadingStampWithin is how far into a line an unkeyed stamp may start: far
// enough for a prefix such as "myservice: " or `{"level":"info","time":"`,
// near enough that a date quoted in a message is not taken for the line's.
const leadingStampWithin = 48

// logTimeKeys introduce a stamp anywhere on a line (logfmt and JSON fields).
var logTimeKeys = [][]byte{
	[]byte(`time=`), []byte(`ts=`), []byte(`timestamp=`), []byte(`t=`),
	[]byte(`"time":`), []byte(`"ts":`), []byte(`"timestamp":`), []byte(`"@timestamp":`),
}

// TimeFromLogLine finds the time stamp of a log line: one near the start of
// the line, or the value of a time field (time=, ts=, "time":…) anywhere on
// it. A stamp without a zone is read in loc (UTC when loc is nil), as for
// file names.
func TimeFromLogLine(line []byte, loc *time.Location) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	head := line[:min(len(line), leadingStampWithin+40)]
	if m := logStamp.FindSubmatchIndex(head); m != nil && m[2] <= leadingStampWithin {
		if t, ok := logStampTime(head, m, loc); ok {
			return t, true
		}
	}
	for _, key := range logTimeKeys {
		i := bytes.Index(line, key)
		if i < 0 || i > 0 && isWordByte(line[i-1]) && key[0] != '"' {
			continue
		}
		value := bytes.TrimLeft(line[i+len(key):], `" `)
		if t, ok := keyedTime(value, loc); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

func keyedTime(value []byte, loc *time.Location) (time.Time, bool) {
	value = value[:min(len(value), 40)]
	if m := logStamp.FindSubmatchIndex(value); m != nil && m[2] == 0 {
		return logStampTime(value, m, loc)
	}
	if m := epochStamp.FindSubmatch(value); m != nil {
		sec, err := strconv.ParseInt(string(m[1]), 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		nanos := 0
		if len(m[2]) > 0 {
			nanos, _ = strconv.Atoi((string(m[2]) + "000000000")[:9])
		}
		return time.Unix(sec, int64(nanos)).UTC(), true
	}
	return time.Time{}, false
}

func logStampTime(b []byte, m []int, loc *time.Location) (time.Time, bool) {
	group := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return string(b[m[2*i]:m[2*i+1]])
	}
	fields := []string{group(1), group(2), group(3), group(4), group(5), group(6)}
	t, ok := stampTime(fields, group(7), group(8), loc)
	return t.UTC(), ok
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
