package goroutines

import (
	"bytes"
	"compress/gzip"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/waitstates"
)

func TestParseHeader(t *testing.T) {
	cases := []struct {
		line string
		want Goroutine
	}{
		{"goroutine 1 [running]:", Goroutine{ID: 1, State: "running", Category: waitstates.Running}},
		{"goroutine 7 [chan receive, 3 minutes, locked to thread]:",
			Goroutine{ID: 7, State: "chan receive", Category: waitstates.Channel, WaitMinutes: 3, LockedToThread: true}},
		{"goroutine 2 gp=0xc000007c0 m=nil [force gc (idle), 5 minutes]:",
			Goroutine{ID: 2, State: "force gc (idle)", Category: waitstates.Runtime, WaitMinutes: 5, Thread: &Thread{G: 0xc000007c0, M: -1}}},
		{"goroutine 1 gp=0x2071fb3681e0 m=2 mp=0x2071fb3a2808 [running]:",
			Goroutine{ID: 1, State: "running", Category: waitstates.Running, Thread: &Thread{G: 0x2071fb3681e0, M: 2, MP: 0x2071fb3a2808}}},
		{"goroutine 12 [chan receive (leaked)]:", Goroutine{ID: 12, State: "chan receive", Category: waitstates.Channel, Leaked: true}},
		{"goroutine 18 [select (no cases) (leaked), locked to thread]:",
			Goroutine{ID: 18, State: "select (no cases)", Category: waitstates.Select, Leaked: true, LockedToThread: true}},
		{"goroutine 8 [chan receive (durable), synctest bubble 1]:",
			Goroutine{ID: 8, State: "chan receive", Category: waitstates.Channel, Durable: true, Bubble: 1}},
		{"goroutine 12 [sleep (durable), 2 minutes, synctest bubble 3]:",
			Goroutine{ID: 12, State: "sleep", Category: waitstates.Sleep, Durable: true, WaitMinutes: 2, Bubble: 3}},
		{"goroutine 8 [chan receive (synctest), synctest group 6]:",
			Goroutine{ID: 8, State: "chan receive", Category: waitstates.Channel, Durable: true, Bubble: 6}},
		{"goroutine 4 [GC worker (idle) (scan)]:", Goroutine{ID: 4, State: "GC worker (idle)", Category: waitstates.Runtime, Scanning: true}},
		{`goroutine 9 [chan receive] {req: 42}:`,
			Goroutine{ID: 9, State: "chan receive", Category: waitstates.Channel, Labels: Labels{{"req", "42"}}}},
		{`goroutine 16 [select (no cases)] {handler: checkout, "tenant id": "a b"}:`,
			Goroutine{ID: 16, State: "select (no cases)", Category: waitstates.Select, Labels: Labels{{"handler", "checkout"}, {"tenant id", "a b"}}}},
		{`goroutine 31 [chan receive, 1 minutes labels:{"pool": "a", "x]y": "}\"{"}]:`,
			Goroutine{ID: 31, State: "chan receive", Category: waitstates.Channel, WaitMinutes: 1, Labels: Labels{{"pool", "a"}, {"x]y", `}"{`}}}},
		{"goroutine 0 [idle]:", Goroutine{ID: 0, State: "idle", Category: waitstates.Runtime}},
		{"goroutine 5 [some future reason, 1 minutes, new flag]:", Goroutine{ID: 5, State: "some future reason", Category: waitstates.Other, WaitMinutes: 1}},
	}
	tab := newTable()
	for _, c := range cases {
		var g Goroutine
		if !tab.parseHeader([]byte(c.line), &g) {
			t.Errorf("%s: not a header", c.line)
			continue
		}
		c.want.Count = 1
		if !reflect.DeepEqual(g, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.line, g, c.want)
		}
	}
	for _, bad := range []string{"goroutine profile: total 5", "goroutine x [running]:", "goroutine 1 [running]", "goroutine 1 running:",
		"goroutine 1 [running] {a: b}", "goroutine 1 [running]: extra", "goroutine 1 [running labels:{\"a\": ]:", "goroutine 1 []:"} {
		var g Goroutine
		if tab.parseHeader([]byte(bad), &g) {
			t.Errorf("%q parsed as a header", bad)
		}
	}
}

func TestParseLabels(t *testing.T) {
	cases := map[string]Labels{
		`{}`:                            nil,
		`{a: b}`:                        {{"a", "b"}},
		`{b: 2, a: 1}`:                  {{"a", "1"}, {"b", "2"}},
		`{"pool":"a", "tenant":"x y"}`:  {{"pool", "a"}, {"tenant", "x y"}},
		`{"k": "tab\there", "q": "\""}`: {{"k", "tab\there"}, {"q", `"`}},
		`{"\u00e9": "\U0001f600"}`:      {{"é", "😀"}},
		`{k: }`:                         {{"k", ""}},
	}
	for in, want := range cases {
		got, ok := parseLabels([]byte(in))
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{`{`, `a: b`, `{"a: b}`, `{a b}`, `{"a": "b" "c": "d"}`} {
		if _, ok := parseLabels([]byte(bad)); ok {
			t.Errorf("%s parsed", bad)
		}
	}
}

const smallDump = `goroutine 1 [running]:
main.main()
	/src/main.go:10 +0x1d

goroutine 7 [chan receive, 2 minutes]:
main.worker(0xc000010000?)
	/src/main.go:20 +0x25
created by main.main in goroutine 1
	/src/main.go:12 +0x3b

goroutine 8 [chan receive, 4 minutes]:
main.worker(0xc000010001?)
	/src/main.go:20 +0x25
created by main.main in goroutine 1
	/src/main.go:12 +0x3b

goroutine 9 [semacquire]:
sync.runtime_Semacquire(0x0?)
	/usr/lib/go/src/runtime/sema.go:62 +0x25
sync.(*WaitGroup).Wait(0x0?)
	/usr/lib/go/src/sync/waitgroup.go:116 +0x48
main.waiter(...)
	/src/main.go:30
created by main.main
	/src/main.go:13 +0x4c
`

func TestParseSmallDump(t *testing.T) {
	s, err := Parse([]byte(smallDump), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Format != FormatDebug2 || s.Total != 4 || !s.StatesKnown {
		t.Fatalf("%s %d %v", s.Format, s.Total, s.StatesKnown)
	}
	g7, g8, g9 := s.Goroutines[1], s.Goroutines[2], s.Goroutines[3]
	if g7.Stack != g8.Stack {
		t.Error("identical stacks are not shared")
	}
	if g7.CreatorID != 1 || g7.Stack.CreatedBy != (Frame{Func: "main.main", File: "/src/main.go", Line: 12}) {
		t.Errorf("created by %+v in %d", g7.Stack.CreatedBy, g7.CreatorID)
	}
	if g9.Category != waitstates.Sync {
		t.Errorf("semacquire in WaitGroup.Wait: category %s, want sync", g9.Category)
	}
	if f := g9.Stack.Frames[2]; f != (Frame{Func: "main.waiter", File: "/src/main.go", Line: 30, Inlined: true}) {
		t.Errorf("inlined frame %+v", f)
	}
	want := "main.worker\n\t/src/main.go:20\ncreated by main.main\n\t/src/main.go:12"
	if got := g7.Stack.String(); got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseCRLF(t *testing.T) {
	lf, err := Parse([]byte(smallDump), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	crlf, err := Parse([]byte(strings.ReplaceAll(smallDump, "\n", "\r\n")), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lf, crlf) {
		t.Error("CRLF input parses differently")
	}
}

func TestParseGzippedText(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(smallDump))
	zw.Close()
	s, err := Parse(buf.Bytes(), dumpformat.Limits{})
	if err != nil || s.Total != 4 {
		t.Fatalf("%v %v", s, err)
	}
	// The gate never hands back a cut result: a truncated gzip stream is
	// an error, not a shorter dump.
	s, err = Parse(buf.Bytes()[:buf.Len()-10], dumpformat.Limits{})
	if s != nil || err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated gzip: %v, %v", s, err)
	}
}

func TestParseTruncated(t *testing.T) {
	data := readTestdata(t, "corpus/go1.27-samples/pprof-http/goroutine_debug_2.txt")
	whole, err := Parse(data, dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{len(data) / 3, len(data) / 2, len(data) - 40} {
		s, err := Parse(data[:cut], dumpformat.Limits{})
		if s == nil || len(s.Goroutines) == 0 || len(s.Goroutines) > len(whole.Goroutines) {
			t.Errorf("cut at %d: %v", cut, s)
		}
		if err == nil {
			t.Errorf("cut at %d: no error", cut)
		}
	}
	for _, cut := range []string{
		"goroutine 1 [running]:\nmain.main()\n",
		"goroutine 1 [running]:\nmain.main()\n\t/src/ma",
		"goroutine 1 [running]:\nmain.main()\n\t/src/main.go:3\n\ngoroutine 2 [chan rec",
	} {
		s, err := Parse([]byte(cut), dumpformat.Limits{})
		if s == nil || !errors.Is(err, ErrTruncated) {
			t.Errorf("%q: %v", cut, err)
		}
	}
}

func TestParseGarbage(t *testing.T) {
	for _, in := range []string{"", "hello\nworld\n", "<html><body>404</body></html>", "\x00\x01\x02garbage"} {
		s, err := Parse([]byte(in), dumpformat.Limits{})
		if s != nil || err == nil {
			t.Errorf("%q: %v, %v", in, s, err)
		}
	}
	_, err := Parse([]byte("hello\n"), dumpformat.Limits{})
	if !errors.Is(err, ErrNoGoroutines) {
		t.Errorf("error %v", err)
	}
	_, err = Parse([]byte("threadcreate profile: total 3\n3 @\n#\t0x1\n"), dumpformat.Limits{})
	if !errors.Is(err, ErrNotGoroutineProfile) {
		t.Errorf("threadcreate: %v", err)
	}
}

func TestParseMalformedLinesInside(t *testing.T) {
	in := "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:x\n\tstray\nmain.f()\n\t/src/f.go:3\n"
	s, err := Parse([]byte(in), dumpformat.Limits{})
	if s == nil || len(s.Goroutines[0].Stack.Frames) != 2 {
		t.Fatalf("%+v", s)
	}
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 3 {
		t.Errorf("error %v", err)
	}
}

func TestParseManyErrorsAreBounded(t *testing.T) {
	in := "goroutine 1 [running]:\n" + strings.Repeat("\tstray\n", 1000)
	_, err := Parse([]byte(in), dumpformat.Limits{})
	if err == nil || !strings.Contains(err.Error(), "more errors") || strings.Count(err.Error(), "\n") > maxErrors+1 {
		t.Errorf("error %v", err)
	}
}

func TestParseConcatenatedDumps(t *testing.T) {
	snaps, err := ParseAll([]byte(smallDump+"\n"+smallDump), dumpformat.Limits{})
	if err != nil || len(snaps) != 2 || snaps[0].Total != 4 || snaps[1].Total != 4 {
		t.Fatalf("%d snapshots, %v", len(snaps), err)
	}
	s, err := Parse([]byte(smallDump+"\n"+smallDump), dumpformat.Limits{})
	if s.Total != 4 || !errors.Is(err, ErrMultipleDumps) {
		t.Errorf("%d, %v", s.Total, err)
	}
}

func TestParseCrashDetails(t *testing.T) {
	in := `panic: first line
second line [recovered]
	panic: again
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45]

goroutine 3 [running]:
	goroutine running on other thread; stack unavailable
created by main.main in goroutine 1
	/src/main.go:9 +0x1

runtime stack:
runtime.throw({0x1, 0x2})
	/go/src/runtime/panic.go:1 +0x1
runtime: unexpected return pc for main.f called from 0x0

goroutine 1 [chan receive]:
main.main()
	/src/main.go:5 +0x1
exit status 2
`
	s, err := Parse([]byte(in), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Crash
	if c.Kind != "panic" || c.Message != "first line\nsecond line [recovered]" || !reflect.DeepEqual(c.Nested, []string{"panic: again"}) ||
		c.Signal != "SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45" || c.Goroutine != 3 {
		t.Errorf("crash %+v", c)
	}
	if len(c.Notes) != 1 || !strings.HasPrefix(c.Notes[0], "runtime: unexpected return pc") {
		t.Errorf("notes %q", c.Notes)
	}
	if len(s.Goroutines) != 2 || !s.Goroutines[0].StackUnavailable || len(s.Goroutines[0].Stack.Frames) != 0 {
		t.Errorf("goroutines %+v", s.Goroutines)
	}
}

func TestParseBrokenTraceback(t *testing.T) {
	in := `fatal error: unknown pc

goroutine 5 [running]:
runtime.throw({0x4b, 0x0})
	/go/src/runtime/panic.go:1 +0x1
runtime: g 5: unexpected return pc for main.f called from 0x0
stack: frame={sp:0xc000, fp:0xc008} stack=[0xc000,0xc100)
0x000000c000071f50:  0x0000000000000000  0x0000000000000000
main.f()
	/src/main.go:3 +0x1

log line in between
main.g()
	/src/main.go:9 +0x1
`
	s, err := Parse([]byte(in), dumpformat.Limits{})
	if s == nil || len(s.Goroutines) != 1 || len(s.Goroutines[0].Stack.Frames) != 2 {
		t.Fatalf("%+v", s)
	}
	if len(s.Crash.Notes) != 2 {
		t.Errorf("notes %q", s.Crash.Notes)
	}
	var se *SyntaxError
	if !errors.As(err, &se) || se.Reason != "frame outside a goroutine" || se.Line != 13 {
		t.Errorf("error %v", err)
	}
}

func TestDetect(t *testing.T) {
	cases := map[string]Format{
		smallDump:                                  FormatDebug2,
		"panic: x\n\n" + smallDump:                 FormatCrash,
		"goroutine profile: total 1\n1":            FormatDebug1,
		"==================\nWARNING: DATA RACE\n": FormatRace,
		"nothing": "",
	}
	for in, want := range cases {
		if got := Detect([]byte(in)); got != want {
			t.Errorf("%.20q: %q, want %q", in, got, want)
		}
	}
	if got := Detect(readTestdata(t, "corpus/go1.19-scenario-x3/goroutine.pb.gz")); got != FormatProtobuf {
		t.Errorf("protobuf: %q", got)
	}
	if got := Detect(readTestdata(t, "go1.27/crash.sigquit.txt")); got != FormatCrash {
		t.Errorf("gzipped crash: %q", got)
	}
}

func TestFuncPackage(t *testing.T) {
	cases := map[string]string{
		"net/http.(*conn).serve":                   "net/http",
		"main.main.func1":                          "main",
		"runtime.gopark":                           "runtime",
		"example.com/x/y.(*T[...]).M":              "example.com/x/y",
		"gopkg.in/yaml.v3.(*parser).parse":         "gopkg.in/yaml.v3",
		"github.com/a/b/v2.Func":                   "github.com/a/b/v2",
		"panic":                                    "runtime",
		"0x48c26a":                                 "",
		"internal/runtime/maps.fatal":              "internal/runtime/maps",
		"golang.org/x/sync/errgroup.(*G).Go.func1": "golang.org/x/sync/errgroup",
	}
	for fn, want := range cases {
		if got := FuncPackage(fn); got != want {
			t.Errorf("%s: %q, want %q", fn, got, want)
		}
	}
}

func TestFrameStandard(t *testing.T) {
	cases := []struct {
		f    Frame
		want bool
	}{
		{Frame{Func: "net/http.(*conn).serve", File: "/usr/lib/go/src/net/http/server.go"}, true},
		{Frame{Func: "net/http.(*conn).serve", File: "net/http/server.go"}, true},
		{Frame{Func: "main.main", File: "/src/main.go"}, false},
		{Frame{Func: "myapp/handlers.Serve", File: "/home/me/myapp/handlers/h.go"}, false},
		{Frame{Func: "example.com/x.F", File: "/src/x.go"}, false},
		{Frame{Func: "sync.(*Mutex).Lock", File: "C:/Go/src/sync/mutex.go"}, true},
		{Frame{Func: "sync.runtime_SemacquireMutex", File: "/usr/lib/go-1.19/src/runtime/sema.go"}, true},
		{Frame{Func: "main._Cfunc_block_in_c", File: "_cgo_gotypes.go"}, false},
	}
	for _, c := range cases {
		if got := c.f.Standard(); got != c.want {
			t.Errorf("%+v: %v", c.f, got)
		}
	}
}
