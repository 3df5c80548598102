package goroutines

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/waitstates"
)

// The testdata/go1.N directories hold real output of
// testdata/generator/main.go.txt built with each Go version, and the
// goroutines it started (expected.<mode>.json).
func generatedDirs(t *testing.T) []string {
	dirs, err := filepath.Glob(filepath.Join("testdata", "go1.*"))
	if err != nil || len(dirs) == 0 {
		t.Fatal("no generated dumps", err)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Base(d)
	}
	return dirs
}

func parseFile(t *testing.T, name string) *Snapshot {
	t.Helper()
	s, err := Parse(readTestdata(t, name), dumpformat.Limits{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// checkExpected compares a snapshot's goroutines, grouped by the function
// they were started in, with what the generator started.
func checkExpected(t *testing.T, s *Snapshot, e expectation, withStates bool) {
	t.Helper()
	got := byFunction(s)
	for _, want := range e.Goroutines {
		gs := got[want.Function]
		if n := countOf(gs); n != want.Count {
			t.Errorf("%s: %d goroutines, want %d", want.Function, n, want.Count)
			continue
		}
		for _, g := range gs {
			if withStates && g.Category.String() != want.Category {
				t.Errorf("%s: goroutine %d [%s] in category %s, want %s", want.Function, g.ID, g.State, g.Category, want.Category)
			}
			if !withStates && g.Category != waitstates.Unknown {
				t.Errorf("%s: category %s in a format without states", want.Function, g.Category)
			}
			if want.LockedToThread && withStates && !g.LockedToThread {
				t.Errorf("%s: goroutine %d not locked to thread", want.Function, g.ID)
			}
			if len(want.Labels) > 0 && len(g.Labels) > 0 {
				for k, v := range want.Labels {
					if got, _ := g.Labels.Get(k); got != v {
						t.Errorf("%s: label %q = %q, want %q", want.Function, k, got, v)
					}
				}
			}
		}
	}
}

func TestGeneratedDebug2(t *testing.T) {
	for _, dir := range generatedDirs(t) {
		t.Run(dir, func(t *testing.T) {
			e := readExpectation(t, dir, "dump")
			s := parseFile(t, dir+"/goroutine.debug2.txt")
			if s.Format != FormatDebug2 || !s.StatesKnown || s.Crash != nil {
				t.Errorf("format %s, states %v, crash %v", s.Format, s.StatesKnown, s.Crash)
			}
			if s.Total != e.Total || len(s.Goroutines) != e.Total {
				t.Errorf("total %d (%d entries), want %d", s.Total, len(s.Goroutines), e.Total)
			}
			checkExpected(t, s, e, true)
			minor := goMinor(dir)
			for fn, gs := range byFunction(s) {
				for _, want := range e.Goroutines {
					if want.Function != fn {
						continue
					}
					for _, g := range gs {
						if g.WaitMinutes < want.MinWaitMinutes {
							t.Errorf("%s: goroutine %d waits %d minutes, want at least %d", fn, g.ID, g.WaitMinutes, want.MinWaitMinutes)
						}
						if want.MinWaitMinutes == 0 && g.WaitMinutes != 0 {
							t.Errorf("%s: goroutine %d waits %d minutes, want under one", fn, g.ID, g.WaitMinutes)
						}
						if minor >= 21 && g.CreatorID == 0 {
							t.Errorf("%s: goroutine %d has no creator id", fn, g.ID)
						}
						if g.Stack.CreatedBy.Func == "" || g.Stack.CreatedBy.Line == 0 {
							t.Errorf("%s: goroutine %d has no created-by frame", fn, g.ID)
						}
						labelled := minor >= 27 || minor == 26 // the 1.26 dump ran with GODEBUG=tracebacklabels=1
						if len(want.Labels) > 0 && labelled && len(g.Labels) != len(want.Labels) {
							t.Errorf("%s: labels %v, want %v", fn, g.Labels, want.Labels)
						}
						if want.DeepStack {
							checkDeepStack(t, minor, g.Stack)
						}
					}
				}
			}
		})
	}
}

func checkDeepStack(t *testing.T, minor int, s *Stack) {
	t.Helper()
	switch {
	case minor >= 21 && (s.Elided <= 0 || s.ElidedAt != 50 || len(s.Frames) != 100):
		t.Errorf("deep stack: %d frames, %d elided at %d; want 100 frames with a counted elision at 50", len(s.Frames), s.Elided, s.ElidedAt)
	case minor < 21 && len(s.Frames) < 98:
		t.Errorf("deep stack: %d frames", len(s.Frames))
	}
}

func TestGeneratedProfiles(t *testing.T) {
	for _, dir := range generatedDirs(t) {
		t.Run(dir, func(t *testing.T) {
			e := readExpectation(t, dir, "dump")
			for _, name := range []string{"goroutine.debug1.txt", "goroutine.pb.gz"} {
				s := parseFile(t, dir+"/"+name)
				want := FormatDebug1
				if strings.HasSuffix(name, ".pb.gz") {
					want = FormatProtobuf
				}
				if s.Format != want || s.StatesKnown || s.Profile != "goroutine" {
					t.Errorf("%s: format %s, states %v, profile %q", name, s.Format, s.StatesKnown, s.Profile)
				}
				if s.Total != e.Total {
					t.Errorf("%s: total %d, want %d", name, s.Total, e.Total)
				}
				checkExpected(t, s, e, false)
				labelled := 0
				for _, g := range s.Goroutines {
					if v, _ := g.Labels.Get("tenant id"); v == "x y" {
						labelled += g.Count
					}
				}
				if labelled != 2 {
					t.Errorf("%s: %d goroutines labelled tenant id=x y, want 2", name, labelled)
				}
			}
		})
	}
}

func TestGeneratedCrashes(t *testing.T) {
	cases := []struct {
		file, mode, kind, message string
		system, registers         bool
	}{
		{"crash.panic-all.txt", "panic", "panic", "generator: planned panic with 43 goroutines", false, false},
		{"crash.panic-system.txt", "panic", "panic", "generator: planned panic with 43 goroutines", true, false},
		{"crash.ancestors.txt", "panic", "panic", "generator: planned panic with 43 goroutines", false, false},
		{"crash.crash.txt", "crash", "panic", "generator: planned crash with 43 goroutines", true, false},
		{"crash.deadlock.txt", "deadlock", "fatal error", "all goroutines are asleep - deadlock!", false, false},
		{"crash.sigquit.txt", "sigquit", "signal", "SIGQUIT: quit", true, true},
	}
	for _, dir := range generatedDirs(t) {
		minor := goMinor(dir)
		for _, c := range cases {
			t.Run(dir+"/"+c.file, func(t *testing.T) {
				s := parseFile(t, dir+"/"+c.file)
				if s.Format != FormatCrash || s.Crash == nil {
					t.Fatalf("format %s, crash %v", s.Format, s.Crash)
				}
				if s.Crash.Kind != c.kind || s.Crash.Message != c.message {
					t.Errorf("crash %q %q, want %q %q", s.Crash.Kind, s.Crash.Message, c.kind, c.message)
				}
				if c.kind == "panic" && (s.Crash.Goroutine != 1 || s.Goroutines[0].ID != 1 || s.Goroutines[0].State != "running") {
					t.Errorf("crashed goroutine %d, first printed %d [%s]", s.Crash.Goroutine, s.Goroutines[0].ID, s.Goroutines[0].State)
				}
				if s.Crash.Deadlock() != (c.mode == "deadlock") {
					t.Errorf("Deadlock() = %v", s.Crash.Deadlock())
				}
				if c.registers && len(s.Crash.Registers) == 0 {
					t.Error("no registers")
				}
				e := readExpectation(t, dir, c.mode)
				checkExpected(t, s, e, true)
				checkSystemGoroutines(t, s, c.system, minor)
				if c.file == "crash.ancestors.txt" {
					checkAncestors(t, s, e)
				}
			})
		}
		t.Run(dir+"/crash.mapwrites.txt", func(t *testing.T) {
			s := parseFile(t, dir+"/crash.mapwrites.txt")
			if s.Crash == nil || s.Crash.Kind != "fatal error" || s.Crash.Message != "concurrent map writes" {
				t.Fatalf("crash %+v", s.Crash)
			}
			if s.Goroutines[0].ID != s.Crash.Goroutine || s.Goroutines[0].State != "running" {
				t.Errorf("first goroutine %d [%s], crash goroutine %d", s.Goroutines[0].ID, s.Goroutines[0].State, s.Crash.Goroutine)
			}
		})
		t.Run(dir+"/crash.panic-single.txt", func(t *testing.T) {
			s := parseFile(t, dir+"/crash.panic-single.txt")
			if len(s.Goroutines) != 1 || s.Crash == nil || s.Crash.Goroutine != 1 {
				t.Fatalf("%d goroutines, crash %+v", len(s.Goroutines), s.Crash)
			}
		})
	}
}

// checkSystemGoroutines checks what GOTRACEBACK=system and above add:
// runtime goroutines, and from Go 1.22 the gp=/m= header part.
func checkSystemGoroutines(t *testing.T, s *Snapshot, system bool, minor int) {
	t.Helper()
	runtimeGoroutines, threads := 0, 0
	for _, g := range s.Goroutines {
		if g.Category == waitstates.Runtime {
			runtimeGoroutines++
		}
		if g.Thread != nil {
			threads++
		}
	}
	if system != (runtimeGoroutines > 0) {
		t.Errorf("%d runtime goroutines with system=%v", runtimeGoroutines, system)
	}
	if want := system && minor >= 22; want != (threads == len(s.Goroutines)) {
		t.Errorf("%d of %d goroutines have gp=/m=, system=%v", threads, len(s.Goroutines), system)
	}
}

func checkAncestors(t *testing.T, s *Snapshot, e expectation) {
	t.Helper()
	for fn, gs := range byFunction(s) {
		if fn == "" || fn == "main.main" {
			continue
		}
		for _, g := range gs {
			if len(g.Ancestors) == 0 || g.Ancestors[0].ID == 0 || len(g.Ancestors[0].Stack.Frames) == 0 {
				t.Errorf("%s: goroutine %d has ancestors %+v", fn, g.ID, g.Ancestors)
			}
		}
	}
	if len(e.Goroutines) == 0 {
		t.Error("no expectations")
	}
}

func TestGeneratedRaces(t *testing.T) {
	for _, dir := range generatedDirs(t) {
		t.Run(dir, func(t *testing.T) {
			s := parseFile(t, dir+"/race.txt")
			if s.Format != FormatRace || len(s.Races) < 2 {
				t.Fatalf("format %s, %d races", s.Format, len(s.Races))
			}
			for i, r := range s.Races {
				if len(r.Accesses) != 2 || len(r.Goroutines) == 0 {
					t.Errorf("race %d: %d accesses, %d goroutines", i, len(r.Accesses), len(r.Goroutines))
					continue
				}
				a := r.Accesses[0]
				if a.Goroutine == 0 || !strings.HasPrefix(a.Address, "0x") || a.Stack == nil || len(a.Stack.Frames) == 0 {
					t.Errorf("race %d: access %+v", i, a)
				}
				if !strings.HasPrefix(r.Accesses[1].Kind, "Previous ") {
					t.Errorf("race %d: second access %q", i, r.Accesses[1].Kind)
				}
				for _, g := range r.Goroutines {
					if g.ID == 0 || g.Status == "" || g.CreatedAt == nil || g.CreatedAt.Frames[0].Func != "main.main" {
						t.Errorf("race %d: goroutine %+v", i, g)
					}
				}
			}
		})
	}
}

func TestGeneratedSynctest(t *testing.T) {
	for _, dir := range generatedDirs(t) {
		if !existsTestdata(dir + "/synctest.txt") {
			continue
		}
		t.Run(dir, func(t *testing.T) {
			data := readTestdata(t, dir+"/synctest.txt")
			snaps, err := ParseAll(data, dumpformat.Limits{})
			if err != nil || len(snaps) != 2 {
				t.Fatalf("%d snapshots, %v", len(snaps), err)
			}
			if _, err := Parse(data, dumpformat.Limits{}); !errors.Is(err, ErrMultipleDumps) {
				t.Errorf("Parse error %v, want ErrMultipleDumps", err)
			}
			dump, crash := snaps[0], snaps[1]
			if dump.Format != FormatDebug2 || crash.Format != FormatCrash || !strings.HasPrefix(crash.Crash.Message, "deadlock: ") || !crash.Crash.Deadlock() {
				t.Errorf("formats %s, %s; crash %+v", dump.Format, crash.Format, crash.Crash)
			}
			inBubble, durable := 0, 0
			for _, g := range dump.Goroutines {
				if g.Bubble != 0 {
					inBubble++
				}
				if g.Durable {
					durable++
				}
			}
			// The test goroutine, synctest's own and five blocked ones. Go
			// 1.24 marks only channel and select waits "(synctest)".
			wantDurable := 3
			if goMinor(dir) == 24 {
				wantDurable = 1
			}
			if inBubble < 6 || durable < wantDurable {
				t.Errorf("%d goroutines in a bubble, %d durable", inBubble, durable)
			}
		})
	}
}

func TestGeneratedDumpsAreAllThere(t *testing.T) {
	for _, dir := range generatedDirs(t) {
		for _, name := range []string{"goroutine.debug1.txt", "goroutine.debug2.txt", "goroutine.pb.gz", "race.txt",
			"crash.panic-all.txt", "crash.panic-system.txt", "crash.crash.txt", "crash.sigquit.txt"} {
			if !existsTestdata(dir + "/" + name) {
				t.Errorf("%s/%s missing", dir, name)
			}
		}
		if goMinor(dir) >= 24 && !existsTestdata(dir+"/synctest.txt") {
			t.Errorf("%s/synctest.txt missing", dir)
		}
	}
	if _, err := os.Stat(filepath.Join("testdata", "generator", "main.go.txt")); err != nil {
		t.Error(err)
	}
}
