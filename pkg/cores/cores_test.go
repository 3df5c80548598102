package cores_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/cores"
	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/stackgroups"
)

// TestCoreAgreesWithDump reads a gcore of the scenario under each toolchain
// and checks it against the debug=2 dump the process wrote just before:
// every goroutine with its state, stack, creator, labels and flags, then the
// states and groups views.
func TestCoreAgreesWithDump(t *testing.T) {
	for _, tc := range toolchains() {
		t.Run(tc, func(t *testing.T) {
			p := build(t, tc)
			c := gcoreCapture(t, p)
			core, err := cores.Read(c.core, p.bin)
			if err != nil {
				t.Fatal(err)
			}
			dump := readDump(t, c.dump)
			writer := writerOf(t, dump)
			if core.Core.Signal != "" || core.Crash != nil {
				t.Errorf("a gcore of a live process has signal %q, crash %+v", core.Core.Signal, core.Crash)
			}
			if core.Core.SystemGoroutines == 0 {
				t.Error("no runtime goroutines were left out: a Go process always has some")
			}
			// main moves on once the dump is written, to wait for ever.
			main := int64(1)
			labelsPrinted := hasLabels(dump)
			compareGoroutines(t, without(dump, writer, main), without(core, writer, main), labelsPrinted)
			compareViews(t, without(dump, writer, main), without(core, writer, main))
			checkScenario(t, core)
		})
	}
}

// TestCrashCore reads the core the kernel writes when the scenario panics
// with GOTRACEBACK=crash, against the dump written just before and the crash
// output.
func TestCrashCore(t *testing.T) {
	p := build(t, "local")
	checkCrashCore(t, p, crashCapture(t, p), runtime.GOARCH)
}

// TestArm64CrashCore reads the core of the scenario built for linux/arm64,
// crashed with GOTRACEBACK=crash under qemu-user, which writes the guest's
// core as Linux would.
func TestArm64CrashCore(t *testing.T) {
	qemu, err := exec.LookPath("qemu-aarch64")
	if err != nil {
		t.Skip("qemu-aarch64 (Debian's qemu-user package) is not installed: no arm64 process can run here to dump core")
	}
	// The normal run checks the installed Go; GOPPROF_CORE_TOOLCHAINS
	// names others, as for amd64.
	tcs := []string{"local"}
	if os.Getenv("GOPPROF_CORE_TOOLCHAINS") != "" {
		tcs = toolchains()
	}
	for _, tc := range tcs {
		t.Run(tc, func(t *testing.T) {
			p := buildFor(t, tc, "arm64")
			checkCrashCore(t, p, crashWith(t, p, []string{qemu}, "qemu_*.core"), "arm64")
		})
	}
}

func checkCrashCore(t *testing.T, p *program, c capture, arch string) {
	t.Helper()
	core, err := cores.Read(c.core, p.bin)
	if err != nil {
		t.Fatal(err)
	}
	crash, err := goroutines.Parse([]byte(c.stderr), dumpformat.Limits{})
	if err != nil && crash == nil {
		t.Fatalf("crash output: %v", err)
	}
	if core.Core.Signal != "SIGABRT" || core.Core.Arch != arch {
		t.Errorf("signal %q, arch %s; want SIGABRT, %s", core.Core.Signal, core.Core.Arch, arch)
	}
	if crash.Crash == nil || core.Core.Goroutine != crash.Crash.Goroutine || core.Core.Goroutine == 0 {
		t.Errorf("faulting goroutine %d, the crash output says %+v", core.Core.Goroutine, crash.Crash)
	}
	if core.Crash == nil || core.Crash.Goroutine != core.Core.Goroutine {
		t.Errorf("snapshot crash %+v", core.Crash)
	}
	signalled := 0
	for _, th := range core.Core.Threads {
		if th.Goroutine == core.Core.Goroutine && th.Signal == "SIGABRT" {
			signalled++
		}
	}
	if signalled != 1 {
		t.Errorf("%d threads ran the faulting goroutine with the signal: %+v", signalled, core.Core.Threads)
	}
	dump := readDump(t, c.dump)
	// Between the dump and the crash, main went from waiting for the writer
	// to panicking.
	main := int64(1)
	compareGoroutines(t, without(dump, writerOf(t, dump), main), without(core, writerOf(t, dump), main), hasLabels(dump))
	checkScenario(t, core)
}

func hasLabels(s *goroutines.Snapshot) bool {
	for _, g := range s.Goroutines {
		if len(g.Labels) > 0 {
			return true
		}
	}
	return false
}

func compareGoroutines(t *testing.T, dump, core *goroutines.Snapshot, labels bool) {
	t.Helper()
	byID := make(map[int64]*goroutines.Goroutine, len(core.Goroutines))
	for i := range core.Goroutines {
		byID[core.Goroutines[i].ID] = &core.Goroutines[i]
	}
	if len(core.Goroutines) != len(dump.Goroutines) {
		t.Errorf("the core has %d goroutines, the dump %d", len(core.Goroutines), len(dump.Goroutines))
	}
	bad := 0
	for i := range dump.Goroutines {
		d := &dump.Goroutines[i]
		c := byID[d.ID]
		if c == nil {
			t.Errorf("goroutine %d [%s] of the dump is not in the core", d.ID, d.State)
			continue
		}
		if diff := goroutineDiff(d, c, labels); diff != "" {
			bad++
			if bad <= 5 {
				t.Errorf("goroutine %d differs:\n%s", d.ID, diff)
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d goroutines differ in all", bad)
	}
}

func goroutineDiff(d, c *goroutines.Goroutine, labels bool) string {
	var b strings.Builder
	check := func(what string, dv, cv any) {
		if fmt.Sprint(dv) != fmt.Sprint(cv) {
			fmt.Fprintf(&b, "  %s: dump %v, core %v\n", what, dv, cv)
		}
	}
	check("state", d.State, c.State)
	check("category", d.Category, c.Category)
	check("wait minutes", d.WaitMinutes, c.WaitMinutes)
	check("locked to thread", d.LockedToThread, c.LockedToThread)
	check("creator", d.CreatorID, c.CreatorID)
	if labels {
		check("labels", d.Labels, c.Labels)
	}
	check("created by", d.Stack.CreatedBy, c.Stack.CreatedBy)
	check("elided", [2]int{d.Stack.Elided, d.Stack.ElidedAt}, [2]int{c.Stack.Elided, c.Stack.ElidedAt})
	if !slices.Equal(d.Stack.Frames, c.Stack.Frames) {
		fmt.Fprintf(&b, "  frames:\n    dump %s\n    core %s\n", frameList(d.Stack.Frames), frameList(c.Stack.Frames))
	}
	return b.String()
}

func frameList(fs []goroutines.Frame) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s@%s:%d", f.Func, f.File[strings.LastIndexByte(f.File, '/')+1:], f.Line)
		if f.Inlined {
			parts[i] += "(...)"
		}
	}
	return strings.Join(parts, " < ")
}

// compareViews checks that the states and groups views of the core are the
// dump's.
func compareViews(t *testing.T, dump, core *goroutines.Snapshot) {
	t.Helper()
	ds, err := stackgroups.States(dump, stackgroups.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := stackgroups.States(core, stackgroups.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ds) != fmt.Sprint(cs) {
		t.Errorf("states view:\n dump %+v\n core %+v", ds, cs)
	}
	dg, err := stackgroups.Groups(dump, stackgroups.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	cg, err := stackgroups.Groups(core, stackgroups.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := groupKeys(dg), groupKeys(cg); !slices.Equal(a, b) {
		t.Errorf("groups view:\n dump %q\n core %q", a, b)
	}
}

func groupKeys(gs []stackgroups.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = fmt.Sprintf("%d %v %s %s <- %s %v", g.Count, g.States, g.UserFrame.Func, frameList(g.Stack.Frames), g.CreatedBy, g.IDs)
	}
	return out
}

// checkScenario checks what the scenario is known to hold, whatever the dump
// says: the categories of its pile-ups, labels, the locked thread, the deep
// stack and the generic frame.
func checkScenario(t *testing.T, s *goroutines.Snapshot) {
	t.Helper()
	count := map[string]int{}
	for _, g := range s.Goroutines {
		count[g.Category.String()]++
		if len(g.Labels) > 0 {
			count["labelled"]++
			if v, _ := g.Labels.Get("job"); v != "sleeper" {
				t.Errorf("goroutine %d labels %v", g.ID, g.Labels)
			}
		}
		if g.LockedToThread {
			count["locked"]++
		}
		if g.Stack.Elided > 0 {
			count["elided"]++
		}
		for _, f := range g.Stack.Frames {
			if f.Func == "main.waitOn[...]" {
				count["generic"]++
			}
		}
	}
	want := map[string]int{
		"lock": 2 + 40 + 1 + 12, "labelled": 25, "locked": 1, "elided": 1, "generic": 1, "sleep": 25, "io": 2,
	}
	for k, v := range want {
		if count[k] != v {
			t.Errorf("%s: %d goroutines, want %d (all: %v)", k, count[k], v, count)
		}
	}
}

// TestBadPairs gives the reader what people get wrong: another build of the
// program, a stripped executable, a truncated core, files swapped or of
// another kind. Each gets an error that names the problem.
func TestBadPairs(t *testing.T) {
	p := build(t, "local")
	c := gcoreCapture(t, p)
	dir := t.TempDir()
	other := build(t, "go1.21.0").bin
	stripped := build(t, "local", "-ldflags=-w").bin
	truncated := filepath.Join(dir, "core.truncated")
	copyPrefix(t, c.core, truncated, 1<<20)
	cases := []struct {
		name, core, exe string
		want            error
		says            string
	}{
		{"other build", c.core, other, cores.ErrMismatch, "differs from scenario"},
		{"stripped", c.core, stripped, cores.ErrNoDebugInfo, "stripped"},
		{"truncated", truncated, p.bin, cores.ErrTruncated, "cut short"},
		{"swapped", p.bin, c.core, cores.ErrNotCore, "ELF file of type ET_EXEC"},
		{"dump as core", c.dump, p.bin, cores.ErrNotCore, "not an ELF file"},
		{"dump as executable", c.core, c.dump, cores.ErrNotExecutable, "not an ELF file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			snap, err := cores.Read(tc.core, tc.exe)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %v saying %q", err, tc.want, tc.says)
			}
			if snap != nil {
				t.Error("a snapshot with the error")
			}
			if _, err := cores.Inspect(tc.core, tc.exe); !errors.Is(err, tc.want) {
				t.Errorf("Inspect: %v", err)
			}
		})
	}
}

// TestReadsLeaveNoFilesOpen reads a core again and again: the files Delve
// opens must not pile up in a server that reads cores all day.
func TestReadsLeaveNoFilesOpen(t *testing.T) {
	p := build(t, "local")
	c := gcoreCapture(t, p)
	if _, err := cores.Read(c.core, p.bin); err != nil {
		t.Fatal(err)
	}
	before := openFiles(t)
	for range 5 {
		if _, err := cores.Read(c.core, p.bin); err != nil {
			t.Fatal(err)
		}
	}
	if after := openFiles(t); after > before {
		t.Errorf("%d files open after five more reads, %d before", after, before)
	}
}

func openFiles(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}

func copyPrefix(t *testing.T, from, to string, n int64) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(out, in, n); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedCores overwrites the memory of a real crash core in several
// ways (a damaged disk, a core from a process whose memory was corrupted):
// each read returns a snapshot or an error, and never panics or runs away.
func TestDamagedCores(t *testing.T) {
	p := build(t, "local")
	c := crashCapture(t, p)
	data, err := os.ReadFile(c.core)
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	exe, err := elf.Open(p.bin)
	if err != nil {
		t.Fatal(err)
	}
	defer exe.Close()
	ofExecutable := func(seg *elf.Prog) bool {
		for _, e := range exe.Progs {
			if e.Type == elf.PT_LOAD && seg.Vaddr < e.Vaddr+e.Memsz && e.Vaddr < seg.Vaddr+seg.Memsz {
				return true
			}
		}
		return false
	}
	var writable, heap []*elf.Prog
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD && p.Flags&elf.PF_W != 0 && p.Filesz > 8 {
			writable = append(writable, p)
			if !ofExecutable(p) {
				heap = append(heap, p)
			}
		}
	}
	// Words of the heap and stacks (where goroutines, their stacks and
	// labels live), the runtime's globals left alone so that the reader
	// gets that far.
	heapWords := func(b []byte, rng *rand.Rand, value func(p *elf.Prog, off uint64) uint64) {
		for range 50000 {
			p := heap[rng.IntN(len(heap))]
			off := p.Off + uint64(rng.Int64N(int64(p.Filesz-8)))&^7
			binary.LittleEndian.PutUint64(b[off:], value(p, off))
		}
	}
	damages := map[string]func(b []byte, rng *rand.Rand){
		"every word of the first 64 KiB of each writable segment set": func(b []byte, _ *rand.Rand) {
			for _, p := range writable {
				for i := p.Off; i < p.Off+min(p.Filesz, 64<<10); i++ {
					b[i] = 0xff
				}
			}
		},
		"random words anywhere in memory": func(b []byte, rng *rand.Rand) {
			for range 20000 {
				p := writable[rng.IntN(len(writable))]
				off := p.Off + uint64(rng.Int64N(int64(p.Filesz-8)))&^7
				binary.LittleEndian.PutUint64(b[off:], rng.Uint64())
			}
		},
		"heap words randomised": func(b []byte, rng *rand.Rand) {
			heapWords(b, rng, func(*elf.Prog, uint64) uint64 { return rng.Uint64() })
		},
		"heap words made to point at themselves": func(b []byte, rng *rand.Rand) {
			heapWords(b, rng, func(p *elf.Prog, off uint64) uint64 { return p.Vaddr + off - p.Off })
		},
		"heap words made small numbers": func(b []byte, rng *rand.Rand) {
			heapWords(b, rng, func(*elf.Prog, uint64) uint64 { return uint64(rng.IntN(1 << 20)) })
		},
	}
	dir := t.TempDir()
	for name, damage := range damages {
		for seed := range uint64(2) {
			t.Run(fmt.Sprintf("%s/%d", name, seed), func(t *testing.T) {
				b := slices.Clone(data)
				damage(b, rand.New(rand.NewPCG(seed, 7)))
				path := filepath.Join(dir, "core.damaged")
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
				snap, err := cores.Read(path, p.bin)
				switch {
				case err != nil && !errors.Is(err, cores.ErrUnreadable) && !errors.Is(err, cores.ErrMismatch):
					t.Errorf("an error that names no damage: %v", err)
				case snap != nil && err != nil:
					t.Logf("read %d goroutines, and: %v", snap.Total, err)
				case err != nil:
					t.Logf("error: %v", err)
				default:
					t.Logf("read %d goroutines", snap.Total)
				}
			})
		}
	}
}
