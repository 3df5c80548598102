package dumpformat

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// readLog reads a real log of ../goroutines/testdata/crashlogs (see its
// README), decompressed.
func readLog(t *testing.T, name string) []byte {
	t.Helper()
	path := filepath.Join("..", "goroutines", "testdata", "crashlogs", name)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		data, err = os.ReadFile(path + ".gz")
	}
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := Decode(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

func TestDetectLogs(t *testing.T) {
	indent := regexp.MustCompile(`(?m)^(.)`)
	stamp := regexp.MustCompile(`(?m)^(.)`)
	cases := []struct {
		file   string
		want   Format
		detail string
	}{
		{"multicrash.std.txt", CrashText, "panic: request handler failed"},
		{"multicrash.json.txt", CrashText, "panic: request handler failed"},
		{"threads.go1.21.txt", CrashText, "SIGQUIT: quit"},
		{"threads.go1.24.txt", CrashText, "SIGABRT: abort"},
		{"race.gotest.txt", RaceText, "3 data race reports"},
		{"race.gorun.txt", RaceText, "3 data race reports"},
	}
	for _, c := range cases {
		data := readLog(t, c.file)
		for variant, in := range map[string][]byte{
			"as written": data,
			"CRLF":       bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
			"indented":   indent.ReplaceAll(data, []byte("        $1")),
			"stamped":    stamp.ReplaceAll(data, []byte("2026-12-01T10:00:00.123456789Z stderr F $1")),
			"journal":    stamp.ReplaceAll(data, []byte("Dec 06 05:06:51 web-3 service[4242]: $1")),
		} {
			d := Detect("log.txt", in)
			if d.Format != c.want || d.Detail != c.detail && !bytes.HasPrefix([]byte(d.Detail), []byte(c.detail)) {
				t.Errorf("%s (%s): %s %q, want %s %q", c.file, variant, d.Format, d.Detail, c.want, c.detail)
			}
		}
	}
	// A race log with a crash after the reports is crash output.
	both := append(readLog(t, "race.gotest.txt"), readLog(t, "multicrash.std.txt")...)
	if d := Detect("log.txt", both); d.Format != CrashText {
		t.Errorf("races then a crash: %s, want %s", d.Format, CrashText)
	}
}

func TestTimeFromLogLine(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	cases := []struct {
		line string
		want time.Time
	}{
		{"2026/12/01 10:00:00 request failed status 500", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
		{"2026/12/01 10:00:00.123456 main.go:12: listening", time.Date(2026, 12, 1, 10, 0, 0, 123456000, time.UTC)},
		{"myservice: 2026/12/01 10:00:00 starting", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
		{`{"time":"2026-12-01T10:00:00.5+01:00","level":"INFO","msg":"request failed"}`, time.Date(2026, 12, 1, 10, 0, 0, 5e8, paris)},
		{`time=2026-12-01T10:00:00.000-05:00 level=INFO msg="request failed" status=500`, time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)},
		{`time="2026-12-01T10:00:00Z" level=error msg="db down"`, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
		{`{"level":"error","ts":1764583200.25,"caller":"main.go:9","msg":"failed"}`, time.Unix(1764583200, 25e7)},
		{`{"level":"error","ts":"2026-12-01T10:00:00.000Z","msg":"failed"}`, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
		{`level=error msg="a very long message that pushes the stamp far to the right of the line" ts=2026-12-01T10:00:00Z`, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
		{"2026-12-01 10:00:00,250 ERROR worker died", time.Date(2026, 12, 1, 10, 0, 0, 25e7, time.UTC)},
		{"2026-12-01T10:00:00.123456789Z stderr F panic: boom", time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC)},
		{"<11>1 2026-12-01T10:00:00+02:00 host app 42 - - crashed", time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)},
	}
	for _, c := range cases {
		got, ok := TimeFromLogLine([]byte(c.line), nil)
		if !ok || !got.Equal(c.want) {
			t.Errorf("TimeFromLogLine(%q) = %v, %v; want %v", c.line, got, ok, c.want)
		}
	}
	for _, line := range []string{
		"panic: request handler failed: database unreachable",
		"goroutine 1 [running]:",
		"\t/usr/local/go/src/runtime/proc.go:462 +0xce fp=0xc000 sp=0xc000 pc=0x4797ce",
		`request failed while importing records dated from 2020-01-01 00:00:00 onwards`,
		"2026/13/01 10:00:00 month 13",
		"I1201 10:00:00.123456   12345 main.go:10] klog lines carry no year",
		"rax    0xca",
	} {
		if got, ok := TimeFromLogLine([]byte(line), nil); ok {
			t.Errorf("TimeFromLogLine(%q) = %v, want no time", line, got)
		}
	}
}
