package processmetrics

import (
	"os"
	"strings"
	"testing"
)

// Real heap?debug=1 output of Go 1.19 to 1.27.
var heapDebug1 = map[string]float64{
	"../dumpformat/testdata/go1.19/heap.debug1.txt":  321814528,
	"testdata/heap_debug1.go1.21.txt":                4497408,
	"testdata/heap_debug1.go1.23.txt":                4571136,
	"testdata/heap_debug1.go1.25.txt":                4505600,
	"testdata/heap_debug1.go1.26.txt":                4489216,
	"../dumpformat/testdata/go1.27/heap_debug_1.txt": 2064384,
	"../dumps/testdata/heap.20261121T211542Z.txt":    1318912,
}

func TestParseMemStatsOfEveryGoVersion(t *testing.T) {
	for path, want := range heapDebug1 {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseMemStats(text)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if got["heap_inuse_bytes"] != want || len(got) != 1 {
			t.Errorf("%s: %v; want heap_inuse_bytes %v", path, got, want)
		}
	}
}

func TestParseMemStatsRejects(t *testing.T) {
	text, err := os.ReadFile("testdata/heap_debug1.go1.26.txt")
	if err != nil {
		t.Fatal(err)
	}
	block := strings.Index(string(text), "# runtime.MemStats")
	cases := map[string]string{
		"cut before the block":   string(text[:block]),
		"a protobuf profile":     "\x1f\x8b\x08\x00",
		"no HeapInuse":           strings.Replace(string(text), "# HeapInuse", "# HeapInUse", 1),
		"HeapInuse not a number": strings.Replace(string(text), "# HeapInuse = ", "# HeapInuse = -", 1),
	}
	for name, text := range cases {
		if got, err := ParseMemStats([]byte(text)); err == nil {
			t.Errorf("%s: got %v, no error", name, got)
		}
	}
}

func FuzzParseMemStats(f *testing.F) {
	text, err := os.ReadFile("testdata/heap_debug1.go1.26.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(text)
	f.Fuzz(func(t *testing.T, text []byte) {
		_, _ = ParseMemStats(text)
	})
}
