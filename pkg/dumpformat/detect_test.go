package dumpformat

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/google/pprof/profile"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestInspectRealFiles(t *testing.T) {
	cases := []struct {
		file       string
		want       Format
		compressed bool
		detail     string
	}{
		{"go1.27/goroutine_debug_2.txt", GoroutineText, false, ""},
		{"go1.27/goroutineleak_debug_2.txt", GoroutineText, false, ""},
		{"go1.27/bubble.txt", GoroutineText, false, ""},
		{"go1.27/panic_default.txt", CrashText, false, "panic: assignment to entry in nil map"},
		{"go1.27/panic_all.txt", CrashText, false, "panic: assignment to entry in nil map"},
		{"go1.27/panic_system.txt", CrashText, false, "panic: assignment to entry in nil map"},
		{"go1.27/panic_ancestors.txt", CrashText, false, "panic: assignment to entry in nil map"},
		{"go1.27/deadlock.txt", CrashText, false, "fatal error: all goroutines are asleep - deadlock!"},
		{"go1.27/segv.txt", CrashText, false, "panic: runtime error: invalid memory address or nil pointer dereference"},
		{"go1.27/segv_crash.txt", CrashText, false, "panic: runtime error"},
		{"go1.26/sigquit.txt", CrashText, false, "SIGQUIT: quit"},
		{"go1.26/race.txt", RaceText, false, "1 data race report"},
		{"go1.19/goroutine.debug1.txt", GoroutineDebug1, false, "goroutine profile: total 2345"},
		{"go1.27/goroutine_debug_1.txt", GoroutineDebug1, false, "goroutine profile: total 18"},
		{"go1.27/goroutineleak_debug_1.txt", GoroutineLeakDebug1, false, "goroutineleak profile: total 10"},
		{"go1.19/heap.debug1.txt", HeapDebug1, false, "heap profile: 9: 314575408"},
		{"go1.27/heap_debug_1.txt", HeapDebug1, false, "heap profile: "},
		{"go1.27/allocs_debug_1.txt", HeapDebug1, false, "heap profile: "},
		{"go1.19/threadcreate.debug1.txt", ThreadcreateDebug1, false, "threadcreate profile: total 198"},
		{"go1.27/threadcreate_debug_1.txt", ThreadcreateDebug1, false, "threadcreate profile: total 7"},
		{"go1.27/block_debug_1.txt", BlockDebug1, false, "--- contention:"},
		{"go1.27/mutex_debug_1.txt", MutexDebug1, false, "--- mutex:"},
		{"go1.19/goroutine.pb.gz", PprofGoroutine, true, "goroutine/count"},
		{"go1.19/goroutine.pb", PprofGoroutine, false, "goroutine/count"},
		{"go1.27/goroutine.pb.gz", PprofGoroutine, true, "goroutine/count"},
		{"go1.26/goroutineleak.pb.gz", PprofGoroutineLeak, true, "goroutineleak/count"},
		{"go1.19/heap.pb.gz", PprofHeap, true, "inuse_space/bytes"},
		{"go1.27/heap.pb.gz", PprofHeap, true, "inuse_space/bytes"},
		{"go1.19/allocs.pb.gz", PprofAllocs, true, "alloc_space/bytes"},
		{"go1.19/cpu.pb.gz", PprofCPU, true, "cpu/nanoseconds"},
		{"go1.27/cpu.pb.gz", PprofCPU, true, "cpu/nanoseconds"},
		{"go1.19/threadcreate.pb.gz", PprofThreadcreate, true, "threadcreate/count"},
		{"go1.26/block.pb.gz", PprofBlock, true, "delay/nanoseconds"},
		{"go1.26/mutex.pb.gz", PprofMutex, true, "delay/nanoseconds"},
		// The Go 1.19 process never enabled block or mutex profiling.
		{"go1.19/block.pb.gz", PprofContention, true, "contentions/count"},
		{"go1.19/mutex.pb.gz", PprofContention, true, "contentions/count"},
		{"go1.19/trace.bin", Trace, false, "go 1.19 trace"},
		{"go1.27/trace.out", Trace, false, "go 1.26 trace"},
		{"go1.19/index.html", Index, false, ""},
		{"go1.27/index.txt", Index, false, ""},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data := readTestdata(t, c.file)
			// The name is deliberately uninformative: detection reads content.
			d, plain, err := Inspect("upload.bin", data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Format != c.want {
				t.Fatalf("format = %s (reason %q), want %s", d.Format, d.Reason, c.want)
			}
			if d.Compressed != c.compressed {
				t.Errorf("compressed = %v, want %v", d.Compressed, c.compressed)
			}
			if !strings.Contains(d.Detail, c.detail) {
				t.Errorf("detail = %q, want it to contain %q", d.Detail, c.detail)
			}
			if d.Format.Encoding() == EncodingProtobuf && d.CapturedAt.IsZero() {
				t.Error("pprof profile without a capture time")
			}
			if d.Format.Encoding() != EncodingProtobuf && !d.CapturedAt.IsZero() {
				t.Errorf("capture time %v from a format that carries none", d.CapturedAt)
			}
			if !c.compressed && !bytes.Equal(plain, data) {
				t.Error("plain content differs from uncompressed input")
			}
		})
	}
}

func TestProfileCaptureTime(t *testing.T) {
	d, _, err := Inspect("", readTestdata(t, "go1.19/goroutine.pb.gz"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// The corpus was captured at 2026-11-21T21:21:18Z (README: captured_at 21:21:23Z).
	want := time.Date(2026, 11, 21, 21, 21, 18, 0, time.UTC)
	if d.CapturedAt.Truncate(time.Second) != want {
		t.Errorf("captured at %v, want %v", d.CapturedAt, want)
	}
}

func TestInspectUnknown(t *testing.T) {
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	realGzip := readTestdata(t, "go1.19/heap.pb.gz")
	cases := []struct {
		name   string
		data   []byte
		reason string
	}{
		{"empty", nil, "empty"},
		{"blank lines", []byte("\n\n  \n"), "empty"},
		{"binary garbage", garbage, "binary data"},
		{"html error page", []byte("<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n"), `titled "502 Bad Gateway"`},
		{"html without title", []byte("<html><body>Forbidden</body></html>"), "HTML page"},
		{"json error", []byte(`{"message":"Unauthorized"}`), "JSON"},
		{"cmdline", readTestdata(t, "go1.27/cmdline.txt"), `starts with "./srv"`},
		{"http response with headers", []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\ngoroutine profile: total 1\n"), "HTTP response"},
		{"zip archive", append([]byte("PK\x03\x04"), garbage[:64]...), "zip archive"},
		{"truncated gzip", realGzip[:len(realGzip)/2], "corrupt gzip"},
		{"gzip inside gzip", gzipBytes(t, realGzip), "gzip inside gzip"},
		{"custom debug=1 profile", []byte("my.custom profile: total 3\n3 @ 0x1\n"), "my.custom"},
		{"text", []byte("hello world\nthis is not a dump\n"), "not a Go dump"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, _, err := Inspect("", c.data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if d.Format != Unknown {
				t.Fatalf("format = %s, want unknown", d.Format)
			}
			if !strings.Contains(d.Reason, c.reason) {
				t.Errorf("reason = %q, want it to contain %q", d.Reason, c.reason)
			}
		})
	}
}

func TestCrashAfterLogLines(t *testing.T) {
	crash := readTestdata(t, "go1.27/panic_all.txt")
	logged := append([]byte("2026/01/21 10:30:15 starting\n2026/01/21 10:30:16 serving on :8080\n"), crash...)
	if d := Detect("", logged); d.Format != CrashText {
		t.Fatalf("format = %s, want %s", d.Format, CrashText)
	}
	windows := bytes.ReplaceAll(readTestdata(t, "go1.27/goroutine_debug_1.txt"), []byte("\n"), []byte("\r\n"))
	if d := Detect("", append([]byte("\xef\xbb\xbf"), windows...)); d.Format != GoroutineDebug1 {
		t.Fatalf("CRLF text with BOM: format = %s, want %s", d.Format, GoroutineDebug1)
	}
}

func TestContentionProfileNamedByFile(t *testing.T) {
	for file, want := range map[string]Format{"go1.19/block.pb.gz": PprofBlock, "go1.19/mutex.pb.gz": PprofMutex} {
		d, _, err := Inspect(filepath.Base(file), readTestdata(t, file), Limits{})
		if err != nil || d.Format != want {
			t.Errorf("%s: format = %s, err = %v; want %s", file, d.Format, err, want)
		}
	}
}

func TestContentionProfileWithoutSamples(t *testing.T) {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "contentions", Unit: "count"}, {Type: "delay", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "contentions", Unit: "count"},
		Period:     1,
	}
	var buf bytes.Buffer
	if err := p.WriteUncompressed(&buf); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]Format{
		"":                           PprofContention,
		"mutex.20260121103015.pb.gz": PprofMutex,
		"block-20260121.pb.gz":       PprofBlock,
		"profile.20260121103015.bin": PprofContention,
	} {
		if d := Detect(name, buf.Bytes()); d.Format != want {
			t.Errorf("name %q: format = %s, want %s", name, d.Format, want)
		}
	}
}

func TestOtherProfile(t *testing.T) {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "requests", Unit: "count"}},
		Sample:     []*profile.Sample{{Value: []int64{1}}},
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	d, _, err := Inspect("", buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Format != PprofOther || !d.Format.Known() {
		t.Fatalf("format = %s, want %s", d.Format, PprofOther)
	}
}

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func FuzzInspect(f *testing.F) {
	for _, name := range []string{"go1.27/panic_all.txt", "go1.27/goroutine_debug_1.txt", "go1.19/heap.pb.gz", "go1.27/trace.out", "go1.27/index.txt"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, _, err := Inspect("fuzz", data, Limits{MaxDecompressedBytes: 1 << 20})
		if err == nil && d.Format == Unknown && d.Reason == "" {
			t.Fatal("unknown format without a reason")
		}
	})
}

func TestUTF16TextFromPowerShell(t *testing.T) {
	text := string(readTestdata(t, "go1.27/panic_all.txt"))
	units := utf16.Encode([]rune(text))
	le := []byte{0xff, 0xfe}
	for _, u := range units {
		le = binary.LittleEndian.AppendUint16(le, u)
	}
	d, plain, err := Inspect("crash.txt", le, Limits{})
	if err != nil || d.Format != CrashText || string(plain) != text {
		t.Fatalf("UTF-16 crash output: format %s, err %v, converted equal %v", d.Format, err, string(plain) == text)
	}
	if _, _, err := Inspect("crash.txt", le, Limits{MaxDecompressedBytes: int64(len(text)) - 1}); !IsLimitError(err) {
		t.Errorf("converted text above the limit: %v", err)
	}
}
