package goroutines

import (
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/waitstates"
)

// testdata/corpus holds copies of the shared corpus: a Go 1.19.8 process
// with known counts (go1.19-scenario-x3/README.md) and Go 1.27.3 samples.

func categoryCounts(s *Snapshot) map[waitstates.Category]int {
	out := make(map[waitstates.Category]int)
	for _, g := range s.Goroutines {
		out[g.Category] += g.Count
	}
	return out
}

func functionCounts(s *Snapshot) map[string]int {
	out := make(map[string]int)
	for fn, gs := range byFunction(s) {
		out[fn] = countOf(gs)
	}
	return out
}

// scenarioFunctions are the blocked goroutines the scenario's README lists.
var scenarioFunctions = map[string]int{
	"main.blockedOnMutex.func1": 900,
	"main.leak.func1":           240,
	"main.chanSend.func1":       360,
	"main.selects.func1":        180,
	"main.condWait.func1":       75,
	"main.rwWait.func1":         105,
	"main.wgWait.func1":         45,
	"main.sleepers.func1":       60,
	"main._Cfunc_block_in_c":    192, // in main.cgoThreads.func1
}

func TestCorpusGo119Debug2(t *testing.T) {
	s := parseFile(t, "corpus/go1.19-scenario-x3/goroutine.debug2.txt")
	if s.Format != FormatDebug2 || s.Total != 2345 {
		t.Fatalf("format %s, total %d", s.Format, s.Total)
	}
	got := functionCounts(s)
	for fn, want := range scenarioFunctions {
		if got[fn] != want {
			t.Errorf("%s: %d, want %d", fn, got[fn], want)
		}
	}
	// Go 1.19 prints "semacquire" for mutexes and WaitGroup.Wait alike; the
	// stack tells them apart: 900 + 2 (the deadlocked pair) + 105 RLock are
	// locks, 45 WaitGroup.Wait and 75 Cond.Wait are sync.
	cats := categoryCounts(s)
	want := map[waitstates.Category]int{
		waitstates.Lock:    1007,
		waitstates.Sync:    120,
		waitstates.Channel: 601,
		waitstates.Select:  181,
		waitstates.IO:      182,
		waitstates.Sleep:   60,
		waitstates.Syscall: 192,
	}
	for c, n := range want {
		if cats[c] != n {
			t.Errorf("%s: %d, want %d", c, cats[c], n)
		}
	}
	// Stages ran about 65 s apart from 21:15:41, captured at 21:21:23: the
	// first stage's sleepers waited 5 minutes.
	for _, g := range byFunction(s)["main.sleepers.func1"] {
		if g.WaitMinutes != 5 {
			t.Fatalf("sleeper waits %d minutes, want 5", g.WaitMinutes)
		}
	}
}

func TestCorpusGo119Profiles(t *testing.T) {
	for _, name := range []string{"goroutine.debug1.txt", "goroutine.pb.gz"} {
		s := parseFile(t, "corpus/go1.19-scenario-x3/"+name)
		if s.Total != 2345 || s.StatesKnown {
			t.Errorf("%s: total %d, states %v", name, s.Total, s.StatesKnown)
		}
		got := functionCounts(s)
		for fn, want := range scenarioFunctions {
			if got[fn] != want {
				t.Errorf("%s: %s: %d, want %d", name, fn, got[fn], want)
			}
		}
	}
}

func TestCorpusGo119Sigquit(t *testing.T) {
	s := parseFile(t, "corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt")
	if s.Format != FormatCrash || s.Total != 2349 {
		t.Fatalf("format %s, total %d", s.Format, s.Total)
	}
	c := s.Crash
	if c.Kind != "signal" || c.Signal != "SIGQUIT: quit" || c.Goroutine != 2195 || len(c.Registers) != 21 {
		t.Errorf("crash %+v", c)
	}
	if len(c.Notes) != 2 || c.Notes[1] != "signal arrived during cgo execution" {
		t.Errorf("notes %q", c.Notes)
	}
	got := functionCounts(s)
	for fn, want := range scenarioFunctions {
		if got[fn] != want {
			t.Errorf("%s: %d, want %d", fn, got[fn], want)
		}
	}
}

func TestCorpusGo127Pprof(t *testing.T) {
	s := parseFile(t, "corpus/go1.27-samples/pprof-http/goroutine_debug_2.txt")
	if s.Total != 18 {
		t.Errorf("total %d", s.Total)
	}
	var labelled, deep *Goroutine
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		switch g.ID {
		case 16:
			labelled = g
		case 19:
			deep = g
		}
	}
	if labelled == nil || labelled.State != "select (no cases)" || labelled.Labels.String() != "handler=checkout, tenant id=a b" {
		t.Errorf("goroutine 16: %+v", labelled)
	}
	if deep == nil || deep.Stack.Elided != 21 || deep.Stack.ElidedAt != 50 || len(deep.Stack.Frames) != 100 {
		t.Errorf("goroutine 19: %+v", deep.Stack)
	}
	if !strings.Contains(deep.Stack.String(), "...21 frames elided...") {
		t.Error("elision missing from the stack text")
	}

	leak := parseFile(t, "corpus/go1.27-samples/pprof-http/goroutineleak_debug_2.txt")
	leaked := 0
	for _, g := range leak.Goroutines {
		if g.Leaked {
			leaked++
			if strings.Contains(g.State, "leaked") {
				t.Errorf("state %q keeps the flag", g.State)
			}
		}
	}
	if leaked != 10 {
		t.Errorf("%d leaked goroutines, want 10", leaked)
	}
	profile := parseFile(t, "corpus/go1.27-samples/pprof-http/goroutineleak_debug_1.txt")
	if profile.Profile != "goroutineleak" || profile.Total != 10 || !profile.Goroutines[0].Leaked {
		t.Errorf("goroutineleak profile %q total %d", profile.Profile, profile.Total)
	}
	for _, name := range []string{"goroutine_debug_1.txt", "goroutine.pb.gz"} {
		p := parseFile(t, "corpus/go1.27-samples/pprof-http/"+name)
		if p.Total != 18 {
			t.Errorf("%s: total %d", name, p.Total)
		}
		found := false
		for _, g := range p.Goroutines {
			if v, _ := g.Labels.Get("tenant id"); v == "a b" {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: labels lost", name)
		}
	}
}

func TestCorpusGo127Tracebacks(t *testing.T) {
	cases := []struct {
		file           string
		total          int
		kind, message  string
		signal         string
		ancestors      int
		threads        bool
		multipleDumps  bool
		lockedToThread int
	}{
		{file: "panic_default.txt", total: 1, kind: "panic", message: "assignment to entry in nil map"},
		{file: "panic_all.txt", total: 6, kind: "panic", message: "assignment to entry in nil map", lockedToThread: 1},
		{file: "panic_system.txt", total: 11, kind: "panic", message: "assignment to entry in nil map", threads: true, lockedToThread: 1},
		{file: "panic_ancestors.txt", total: 6, kind: "panic", message: "assignment to entry in nil map", ancestors: 6, lockedToThread: 1},
		{file: "deadlock.txt", total: 5, kind: "fatal error", message: "all goroutines are asleep - deadlock!", lockedToThread: 1},
		{file: "segv.txt", total: 1, kind: "panic", message: "runtime error: invalid memory address or nil pointer dereference",
			signal: "SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x499e40"},
		{file: "segv_crash.txt", total: 6, kind: "panic", message: "runtime error: invalid memory address or nil pointer dereference",
			signal: "SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x499e40", threads: true},
		{file: "bubble.txt", total: 9, multipleDumps: true},
		{file: "wait_minutes_after_2gc.txt", total: 6, multipleDumps: true, lockedToThread: 1},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			snaps, err := ParseAll(readTestdata(t, "corpus/go1.27-samples/tracebacks/"+c.file), dumpformat.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if (len(snaps) > 1) != c.multipleDumps {
				t.Fatalf("%d snapshots", len(snaps))
			}
			s := snaps[0]
			if s.Total != c.total {
				t.Errorf("total %d, want %d", s.Total, c.total)
			}
			if c.kind != "" && (s.Crash == nil || s.Crash.Kind != c.kind || s.Crash.Message != c.message || s.Crash.Signal != c.signal) {
				t.Errorf("crash %+v", s.Crash)
			}
			ancestors, threads, locked := 0, 0, 0
			for _, g := range s.Goroutines {
				ancestors += len(g.Ancestors)
				if g.Thread != nil {
					threads++
				}
				if g.LockedToThread {
					locked++
				}
			}
			if ancestors != c.ancestors || (threads == len(s.Goroutines)) != c.threads || locked != c.lockedToThread {
				t.Errorf("%d ancestors, %d threads, %d locked", ancestors, threads, locked)
			}
		})
	}
}

func TestCorpusWaitMinutes(t *testing.T) {
	first, _ := ParseAll(readTestdata(t, "corpus/go1.27-samples/tracebacks/wait_minutes_after_1gc_none_printed.txt"), dumpformat.Limits{})
	for _, g := range first[0].Goroutines {
		if g.WaitMinutes != 0 {
			t.Errorf("goroutine %d waits %d minutes", g.ID, g.WaitMinutes)
		}
	}
	snaps, _ := ParseAll(readTestdata(t, "corpus/go1.27-samples/tracebacks/wait_minutes_after_2gc.txt"), dumpformat.Limits{})
	for _, g := range snaps[0].Goroutines {
		if want := map[bool]int{true: 0, false: 1}[g.ID == 1]; g.WaitMinutes != want {
			t.Errorf("goroutine %d waits %d minutes, want %d", g.ID, g.WaitMinutes, want)
		}
	}
	if snaps[1].Format != FormatDebug1 || snaps[1].Total != 6 {
		t.Errorf("second dump %s total %d", snaps[1].Format, snaps[1].Total)
	}
}

func TestCorpusAncestors(t *testing.T) {
	s := parseFile(t, "corpus/go1.27-samples/tracebacks/panic_ancestors.txt")
	for _, g := range s.Goroutines {
		if g.ID != 19 {
			continue
		}
		if len(g.Ancestors) != 2 || g.Ancestors[0].ID != 8 || g.Ancestors[1].ID != 1 {
			t.Fatalf("ancestors %+v", g.Ancestors)
		}
		a := g.Ancestors[0].Stack
		if a.Frames[0].Func != "main.spawnChild" || !a.Frames[0].Inlined || a.CreatedBy.Func != "main.main" || g.CreatorID != 8 {
			t.Errorf("ancestor stack %+v", a)
		}
		return
	}
	t.Fatal("goroutine 19 not found")
}
