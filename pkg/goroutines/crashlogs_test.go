package goroutines

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// testdata/crashlogs holds real logs written by the programs beside them (see
// its README): services that crashed several times, GOTRACEBACK=crash
// output with thread sections, and race detector logs.

// plainTestdata reads a testdata file, decompressed.
func plainTestdata(t *testing.T, name string) []byte {
	t.Helper()
	plain, _, err := dumpformat.Decode(readTestdata(t, name), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// runExpectation is one line of multicrash.*.expected.jsonl, written by
// the crashing process itself.
type runExpectation struct {
	GoVersion  string    `json:"goVersion"`
	Mode       string    `json:"mode"`
	Goroutines int       `json:"goroutines"`
	LoggedAt   time.Time `json:"loggedAt"`
}

func readRuns(t *testing.T, name string) []runExpectation {
	t.Helper()
	var runs []runExpectation
	sc := bufio.NewScanner(bytes.NewReader(readTestdata(t, name)))
	for sc.Scan() {
		var r runExpectation
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	return runs
}

// programGoroutines counts the goroutines the program started (those with a
// frame in package main): what runtime.NumGoroutine counted.
func programGoroutines(s *Snapshot) int {
	n := 0
	for i := range s.Goroutines {
		if ownFunction(&s.Goroutines[i]) != "" {
			n++
		}
	}
	return n
}

// variants are the same log as a person may hand it over: as written, with
// CRLF line ends (saved on Windows), with tabs expanded to spaces (copied
// from a terminal), and indented (pasted into a document or a ticket).
func variants(data []byte) map[string][]byte {
	indented := regexp.MustCompile(`(?m)^(.)`).ReplaceAll(data, []byte("        $1"))
	return map[string][]byte{
		"as written":    data,
		"CRLF":          bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")),
		"expanded tabs": bytes.ReplaceAll(data, []byte("\t"), []byte("        ")),
		"indented":      indented,
	}
}

func TestMultiCrashLogs(t *testing.T) {
	kinds := map[string]string{"panic": "panic", "gopanic": "panic", "nilmap": "panic", "deadlock": "fatal error", "sigquit": "signal"}
	for _, logger := range []string{"std", "json", "logfmt"} {
		runs := readRuns(t, "crashlogs/multicrash."+logger+".expected.jsonl")
		for variant, data := range variants(plainTestdata(t, "crashlogs/multicrash."+logger+".txt")) {
			t.Run(logger+"/"+variant, func(t *testing.T) {
				snaps, err := ParseAll(data, dumpformat.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if len(snaps) != len(runs) {
					t.Fatalf("%d snapshots, want %d", len(snaps), len(runs))
				}
				total := 0
				for i, s := range snaps {
					r := runs[i]
					total += programGoroutines(s)
					if s.Format != FormatCrash || s.Crash == nil || s.Crash.Kind != kinds[r.Mode] {
						t.Errorf("%d (%s, %s): format %s, crash %+v", i, r.Mode, r.GoVersion, s.Format, s.Crash)
					}
					if got := programGoroutines(s); got != r.Goroutines {
						t.Errorf("%d (%s, %s): %d goroutines, want %d", i, r.Mode, r.GoVersion, got, r.Goroutines)
					}
					if !s.CapturedAt.Equal(r.LoggedAt) {
						t.Errorf("%d (%s): captured at %v, want %v", i, r.Mode, s.CapturedAt, r.LoggedAt)
					}
				}
				if total != 36 {
					t.Errorf("%d goroutines in all, want 36", total)
				}
			})
		}
	}
}

// threadSections reads what a person counts in GOTRACEBACK=crash output:
// the goroutine headers before the first "-----" line (the goroutine
// list, "goroutine 0" being a thread's own stack) and the sections.
func threadSections(data []byte) (goroutines, threads int) {
	list, _, _ := bytes.Cut(data, []byte("\n-----\n"))
	goroutines = len(regexp.MustCompile(`(?m)^goroutine [1-9]\d* `).FindAll(list, -1))
	threads = bytes.Count(data, []byte("\n-----\n")) + 1
	return goroutines, threads
}

func TestCrashThreadSections(t *testing.T) {
	for _, v := range []string{"1.21", "1.22", "1.23", "1.24", "1.25", "1.26"} {
		plain := plainTestdata(t, "crashlogs/threads.go"+v+".txt")
		wantGoroutines, wantThreads := threadSections(plain)
		for variant, data := range variants(plain) {
			t.Run("go"+v+"/"+variant, func(t *testing.T) {
				snaps, err := ParseAll(data, dumpformat.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if len(snaps) != 1 {
					t.Fatalf("%d snapshots, want 1", len(snaps))
				}
				s := snaps[0]
				if s.Total != wantGoroutines || len(s.Goroutines) != wantGoroutines {
					t.Errorf("%d goroutines (total %d), want %d", len(s.Goroutines), s.Total, wantGoroutines)
				}
				spinning := 0
				for _, g := range s.Goroutines {
					if g.ID == 0 {
						t.Errorf("a thread's scheduler stack is listed as a goroutine: %+v", g)
					}
					if g.StackUnavailable || len(g.Stack.Frames) == 0 {
						t.Errorf("goroutine %d [%s] has no stack", g.ID, g.State)
					}
					if ownFunction(&g) == "main.spin" {
						spinning++
					}
				}
				if spinning != 3 {
					t.Errorf("%d goroutines in main.spin, want 3", spinning)
				}
				c := s.Crash
				if c == nil || c.Kind != "signal" || len(c.Threads) != wantThreads {
					t.Fatalf("crash %+v, want %d threads", c, wantThreads)
				}
				running, idle := 0, 0
				for i, th := range c.Threads {
					if th.M < 0 || !strings.HasPrefix(th.Signal, "SIG") || !strings.HasPrefix(th.PC, "PC=") || len(th.Registers) == 0 {
						t.Errorf("thread %d: %+v", i, th)
					}
					switch {
					case th.Goroutine != 0:
						running++
					case th.Stack != nil && len(th.Stack.Frames) > 0 && th.State == "idle":
						idle++
					default:
						t.Errorf("thread %d has neither a goroutine nor a stack: %+v", i, th)
					}
				}
				if running != 3 || idle != wantThreads-3 {
					t.Errorf("%d threads running a goroutine, %d idle; want 3 and %d", running, idle, wantThreads-3)
				}
			})
		}
	}
}

func TestRaceLogs(t *testing.T) {
	cases := []struct {
		file  string
		tests []string
		// mainAccess are the races whose previous access is by the main
		// goroutine, with one creator only.
		mainAccess []int
	}{
		{"crashlogs/race.gotest.txt", []string{"TestCounter", "TestMap", "TestSubtests/reader"}, nil},
		{"crashlogs/race.gorun.txt", []string{"", "", ""}, []int{0, 1}},
	}
	for _, c := range cases {
		for variant, data := range variants(plainTestdata(t, c.file)) {
			t.Run(c.file+"/"+variant, func(t *testing.T) {
				snaps, err := ParseAll(data, dumpformat.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if len(snaps) != 1 || snaps[0].Format != FormatRace || len(snaps[0].Goroutines) != 0 {
					t.Fatalf("%d snapshots", len(snaps))
				}
				races := snaps[0].Races
				if len(races) != len(c.tests) {
					t.Fatalf("%d races, want %d", len(races), len(c.tests))
				}
				for i, r := range races {
					if r.Test != c.tests[i] {
						t.Errorf("race %d in test %q, want %q", i, r.Test, c.tests[i])
					}
					if len(r.Accesses) != 2 || !strings.HasPrefix(r.Accesses[1].Kind, "Previous ") {
						t.Fatalf("race %d accesses %+v", i, r.Accesses)
					}
					for _, a := range r.Accesses {
						if !strings.HasPrefix(a.Address, "0x") || a.Goroutine == 0 || len(a.Stack.Frames) == 0 {
							t.Errorf("race %d access %+v", i, a)
						}
					}
					wantCreators := 2
					if slices.Contains(c.mainAccess, i) {
						wantCreators = 1
						if r.Accesses[1].Goroutine != 1 {
							t.Errorf("race %d previous access by goroutine %d, want the main goroutine", i, r.Accesses[1].Goroutine)
						}
					}
					if len(r.Goroutines) != wantCreators {
						t.Fatalf("race %d creators %+v", i, r.Goroutines)
					}
					for _, g := range r.Goroutines {
						if g.Status != "running" && g.Status != "finished" || len(g.CreatedAt.Frames) == 0 {
							t.Errorf("race %d creator %+v", i, g)
						}
						if g.ID != r.Accesses[0].Goroutine && g.ID != r.Accesses[1].Goroutine {
							t.Errorf("race %d: creator of goroutine %d, which made no access", i, g.ID)
						}
					}
				}
			})
		}
	}
}

// collected puts a log collector's prefix before every line, line i
// stamped base plus i milliseconds: as `kubectl logs --timestamps`, a
// container runtime's log file, and journalctl in its default format (no
// year, so no capture time) and its short-iso format hand a log over.
func collected(data []byte, base time.Time, collector string) []byte {
	var out bytes.Buffer
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		at := base.Add(time.Duration(i) * time.Millisecond)
		switch collector {
		case "kubectl":
			out.WriteString(at.Format(time.RFC3339Nano) + " ")
		case "cri":
			out.WriteString(at.Format(time.RFC3339Nano) + " stderr F ")
		case "journal":
			out.WriteString(at.Format("Jan 02 15:04:05") + " web-3 service[4242]: ")
		case "journal-iso":
			out.WriteString(at.Format("2006-01-02T15:04:05-0700") + " web-3 service[4242]: ")
		}
		out.Write(line)
	}
	return out.Bytes()
}

func TestStampedLogs(t *testing.T) {
	base := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	dumpStart := regexp.MustCompile(`^(panic: |fatal error: |SIGQUIT: |WARNING: DATA RACE)`)
	for _, name := range []string{"crashlogs/multicrash.std.txt", "crashlogs/threads.go1.26.txt", "crashlogs/race.gotest.txt"} {
		plain := plainTestdata(t, name)
		want, err := ParseAll(plain, dumpformat.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		// A dump's time is the stamp of its first line.
		var wantTimes []time.Time
		for i, line := range bytes.Split(plain, []byte("\n")) {
			if dumpStart.Match(line) && len(wantTimes) < len(want) {
				wantTimes = append(wantTimes, base.Add(time.Duration(i)*time.Millisecond))
			}
		}
		for _, collector := range []string{"kubectl", "cri", "journal", "journal-iso"} {
			snaps, err := ParseAll(collected(plain, base, collector), dumpformat.Limits{})
			if err != nil {
				t.Fatalf("%s (%s): %v", name, collector, err)
			}
			if len(snaps) != len(want) {
				t.Fatalf("%s (%s): %d snapshots, want %d", name, collector, len(snaps), len(want))
			}
			for i, s := range snaps {
				w := want[i]
				if s.Format != w.Format || s.Total != w.Total || len(s.Races) != len(w.Races) ||
					(s.Crash == nil) != (w.Crash == nil) || s.Crash != nil && len(s.Crash.Threads) != len(w.Crash.Threads) {
					t.Errorf("%s (%s) %d: %s %d goroutines %d races, want %s %d %d", name, collector, i,
						s.Format, s.Total, len(s.Races), w.Format, w.Total, len(w.Races))
				}
				if w.Total > 0 && s.Goroutines[0].Stack.String() != w.Goroutines[0].Stack.String() {
					t.Errorf("%s (%s) %d: first stack\n%s\nwant\n%s", name, collector, i, s.Goroutines[0].Stack, w.Goroutines[0].Stack)
				}
				wantTime := wantTimes[i]
				switch collector {
				case "journal":
					wantTime = w.CapturedAt // no year in the stamp: the program's own log time
				case "journal-iso":
					wantTime = wantTime.Truncate(time.Second)
				}
				if !s.CapturedAt.Equal(wantTime) {
					t.Errorf("%s (%s) %d: captured at %v, want %v", name, collector, i, s.CapturedAt, wantTime)
				}
			}
		}
	}
}

func TestNewest(t *testing.T) {
	snaps, err := ParseAll(plainTestdata(t, "crashlogs/multicrash.json.txt"), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	file := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if i := Newest(snaps, file, time.Time{}); i != len(snaps)-1 {
		t.Errorf("newest is %d, want the last, %d", i, len(snaps)-1)
	}
	third := snaps[2].CapturedAt
	if i := Newest(snaps, file, third.Add(time.Millisecond)); i != 2 {
		t.Errorf("newest at %v is %d, want 2", third, i)
	}
	if i := Newest(snaps, file, snaps[0].CapturedAt.Add(-time.Second)); i != -1 {
		t.Errorf("newest before the first is %d, want none", i)
	}
	// Without times of their own, snapshots share the file's time and the
	// last in the input is the newest.
	for _, s := range snaps {
		s.CapturedAt = time.Time{}
	}
	if i := Newest(snaps, file, time.Time{}); i != len(snaps)-1 {
		t.Errorf("newest without log times is %d, want the last", i)
	}
}
