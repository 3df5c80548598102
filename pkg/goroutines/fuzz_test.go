package goroutines

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/internal/hostile"
)

// maxSeedSize keeps fuzzing fast: larger real dumps add no new shapes.
const maxSeedSize = 64 << 10

// seedFiles adds the testdata files whose names match one of the suffixes
// (gunzipped unless raw) as seeds.
func seedFiles(f *testing.F, raw bool, suffixes ...string) {
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !hasAnySuffix(path, suffixes) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if !raw && strings.HasSuffix(path, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return err
			}
			if data, err = io.ReadAll(zr); err != nil {
				return err
			}
		}
		if len(data) <= maxSeedSize {
			f.Add(data)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
}

func hasAnySuffix(s string, suffixes []string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// checkSnapshots verifies what every parse result must satisfy, whatever
// the input.
func checkSnapshots(t *testing.T, snaps []*Snapshot) {
	for _, s := range snaps {
		if s == nil {
			t.Fatal("nil snapshot")
		}
		sum := 0
		for i := range s.Goroutines {
			g := &s.Goroutines[i]
			if g.Stack == nil || g.Count < 1 || len(g.Stack.Frames) > dumpformat.MaxStackDepth {
				t.Fatalf("goroutine %d: stack %v, count %d", g.ID, g.Stack, g.Count)
			}
			_ = g.Stack.String()
			_ = g.Category.String()
			sum += g.Count
			for _, a := range g.Ancestors {
				if a.Stack == nil {
					t.Fatal("ancestor without stack")
				}
			}
		}
		if s.Total != sum {
			t.Fatalf("total %d, counts sum to %d", s.Total, sum)
		}
		if s.Crash != nil {
			for _, g := range s.Goroutines {
				if g.ID == 0 {
					t.Fatal("a thread's scheduler stack is counted as a goroutine")
				}
			}
			for _, th := range s.Crash.Threads {
				if th.State != "" && th.Stack == nil {
					t.Fatalf("thread %d has a state and no stack", th.M)
				}
			}
		}
		if s.StatesKnown != (s.Format == FormatDebug2 || s.Format == FormatCrash) {
			t.Fatalf("format %s with StatesKnown %v", s.Format, s.StatesKnown)
		}
	}
}

func FuzzParse(f *testing.F) {
	seedFiles(f, true, ".txt", ".gz")
	f.Add([]byte(smallDump))
	f.Add(hostile.DeepGoroutineDump(dumpformat.MaxStackDepth + 2))
	f.Add(hostile.DeepGoroutineText(dumpformat.MaxStackDepth + 2))
	f.Add(hostile.Gzip(hostile.Gzip([]byte(smallDump))))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(data, dumpformat.Limits{})
		if s == nil && err == nil {
			t.Fatal("neither a snapshot nor an error")
		}
		if s != nil {
			checkSnapshots(t, []*Snapshot{s})
		}
	})
}

func FuzzParseTextDebug2AndCrash(f *testing.F) {
	seedFiles(f, false, "debug2.txt", "debug2.txt.gz", "debug_2.txt", "crash.panic-all.txt", "crash.panic-system.txt.gz",
		"crash.ancestors.txt.gz", "crash.sigquit.txt.gz", "synctest.txt", "panic_ancestors.txt", "panic_system.txt", "bubble.txt", "segv_crash.txt")
	f.Add([]byte(smallDump))
	f.Fuzz(func(t *testing.T, data []byte) {
		snaps, _ := ParseText(data)
		checkSnapshots(t, snaps)
	})
}

func FuzzParseTextDebug1(f *testing.F) {
	seedFiles(f, false, "debug1.txt", "debug_1.txt")
	f.Add([]byte("goroutine profile: total 2\n2 @ 0x1 0x2\n# labels: {\"a\":\"b\"}\n#\t0x1\tmain.f+0x1\t/x.go:3\n#\t0x2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		snaps, _ := ParseText(data)
		checkSnapshots(t, snaps)
	})
}

func FuzzParseTextRace(f *testing.F) {
	seedFiles(f, false, "race.txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		snaps, _ := ParseText(data)
		checkSnapshots(t, snaps)
		for _, s := range snaps {
			for _, r := range s.Races {
				for _, a := range r.Accesses {
					if a.Stack == nil {
						t.Fatal("access without stack")
					}
				}
			}
		}
	})
}

func FuzzParseProtobuf(f *testing.F) {
	seedFiles(f, true, ".pb.gz")
	f.Add(hostile.DeepGoroutineProfile(2, dumpformat.MaxStackDepth+2))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseProtobuf(data, dumpformat.Limits{})
		if s == nil && err == nil {
			t.Fatal("neither a snapshot nor an error")
		}
		if s != nil {
			checkSnapshots(t, []*Snapshot{s})
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	for _, h := range []string{
		"goroutine 7 [chan receive, 3 minutes, locked to thread]:",
		"goroutine 2 gp=0xc000007c0 m=nil [force gc (idle), 5 minutes]:",
		"goroutine 1 gp=0x2071fb3681e0 m=2 mp=0x2071fb3a2808 [running]:",
		"goroutine 8 [chan receive (durable), synctest bubble 1]:",
		`goroutine 16 [select (no cases)] {handler: checkout, "tenant id": "a b"}:`,
		`goroutine 31 [chan receive, 1 minutes labels:{"pool": "a", "x]y": "}\"{"}]:`,
	} {
		f.Add(h)
	}
	tab := newTable()
	f.Fuzz(func(t *testing.T, line string) {
		var g Goroutine
		if tab.parseHeader([]byte(line), &g) && (g.Count != 1 || g.WaitMinutes < 0) {
			t.Fatalf("%+v", g)
		}
	})
}

func FuzzParseLabels(f *testing.F) {
	for _, l := range []string{`{a: b}`, `{"pool":"a", "tenant":"x y"}`, `{"k": "tab\there"}`, `{k: }`, `{"\u00e9": "\U0001f600"}`} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if labels, ok := parseLabels([]byte(s)); ok {
			for i := 1; i < len(labels); i++ {
				if labels[i-1].Key > labels[i].Key {
					t.Fatalf("unsorted %v", labels)
				}
			}
		}
	})
}
