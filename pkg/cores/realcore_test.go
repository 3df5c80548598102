package cores_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/goroutines"
)

// toolchains are the Go versions whose cores the normal test run reads: the
// oldest supported one and the installed one. GOPPROF_CORE_TOOLCHAINS names
// others, e.g. "go1.21.0 go1.22.0 go1.23.0 go1.24.0 go1.25.0 go1.26.0 go1.27.3".
func toolchains() []string {
	if v := os.Getenv("GOPPROF_CORE_TOOLCHAINS"); v != "" {
		return strings.Fields(v)
	}
	return []string{"go1.21.0", "local"}
}

// program is the scenario built with one toolchain.
type program struct {
	toolchain, bin string
}

var builds sync.Map // toolchain -> *program or error

// build compiles testdata/scenario with a toolchain ("local" is the go
// command running the test) and build flags, once per test binary.
func build(t *testing.T, toolchain string, flags ...string) *program {
	t.Helper()
	return buildFor(t, toolchain, "", flags...)
}

// buildFor is build for another architecture (GOARCH; empty for the host's).
func buildFor(t *testing.T, toolchain, goarch string, flags ...string) *program {
	t.Helper()
	key := strings.Join(append([]string{toolchain, goarch}, flags...), " ")
	if v, ok := builds.Load(key); ok {
		if p, ok := v.(*program); ok {
			return p
		}
		t.Skip(v)
	}
	dir, err := os.MkdirTemp("", "scenario-"+toolchain+"-")
	if err != nil {
		t.Fatal(err)
	}
	captureMu.Lock()
	captureDirs = append(captureDirs, dir)
	captureMu.Unlock()
	bin := filepath.Join(dir, "scenario")
	cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), ".")...)
	cmd.Dir = filepath.Join("testdata", "scenario")
	cmd.Env = append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
	if goarch != "" {
		cmd.Env = append(cmd.Env, "GOARCH="+goarch)
	}
	if toolchain != "local" {
		cmd.Env = append(cmd.Env, "GOTOOLCHAIN="+toolchain)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		msg := fmt.Sprintf("building the scenario with %s: %v\n%s", toolchain, err, out)
		if strings.Contains(string(out), "toolchain") && strings.Contains(string(out), "download") {
			builds.Store(key, "the Go toolchain "+toolchain+" cannot be fetched here: "+msg)
			t.Skip(msg)
		}
		t.Fatal(msg)
	}
	p := &program{toolchain: toolchain, bin: bin}
	builds.Store(key, p)
	return p
}

// capture is one moment of a scenario process: its own debug=2 dump and a
// core.
type capture struct {
	dump, core string
	stderr     string
}

var (
	captures    sync.Map // executable -> capture
	captureDirs []string
	captureMu   sync.Mutex
)

// TestMain removes the cores the tests shared: gcore writes a process's
// whole address space, over a GiB even for a small program.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range captureDirs {
		_ = os.RemoveAll(dir)
	}
	os.Exit(code)
}

// gcoreCapture runs the scenario until it has written its dump, takes a core
// of it with gdb's gcore and stops it, once per program for all the tests.
func gcoreCapture(t *testing.T, p *program) capture {
	t.Helper()
	gcore, err := exec.LookPath("gcore")
	if err != nil {
		t.Skip("gcore (Debian's gdb package) is not installed; cores of live processes cannot be taken")
	}
	captureMu.Lock()
	defer captureMu.Unlock()
	if c, ok := captures.Load(p.bin); ok {
		return c.(capture)
	}
	dir, err := os.MkdirTemp("", "cores-test-")
	if err != nil {
		t.Fatal(err)
	}
	captureDirs = append(captureDirs, dir)
	c := capture{dump: filepath.Join(dir, "goroutines.txt")}
	cmd, pid := startScenario(t, p, nil, c.dump, "wait", dir)
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	prefix := filepath.Join(dir, "core")
	if out, err := exec.Command(gcore, "-o", prefix, pid).CombinedOutput(); err != nil {
		t.Fatalf("gcore %s: %v\n%s", pid, err, out)
	}
	c.core = prefix + "." + pid
	captures.Store(p.bin, c)
	return c
}

// crashCapture runs the scenario with GOTRACEBACK=crash so that it panics
// and the kernel writes its core into the working directory.
func crashCapture(t *testing.T, p *program) capture {
	t.Helper()
	pattern, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	if err != nil {
		t.Skipf("no kernel core pattern to read: %v", err)
	}
	pat := strings.TrimSpace(string(pattern))
	if strings.HasPrefix(pat, "|") || strings.Contains(pat, "/") || strings.Contains(pat, "%") {
		t.Skipf("the kernel's core_pattern is %q: cores go to a handler or another directory, not the process's working directory", pat)
	}
	return crashWith(t, p, nil, pat)
}

// crashWith runs the scenario (under an emulator, when runner is set) with
// GOTRACEBACK=crash and RLIMIT_CORE raised, and finds the core whose name
// matches the glob in the working directory.
func crashWith(t *testing.T, p *program, runner []string, glob string) capture {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &old); err != nil {
		t.Fatal(err)
	}
	raised := syscall.Rlimit{Cur: old.Max, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &raised); err != nil || raised.Cur < 64<<20 {
		t.Skipf("RLIMIT_CORE cannot be raised (hard limit %d): %v", old.Max, err)
	}
	defer func() { _ = syscall.Setrlimit(syscall.RLIMIT_CORE, &old) }()
	dir := t.TempDir()
	c := capture{dump: filepath.Join(dir, "goroutines.txt")}
	cmd, pid := startScenario(t, p, runner, c.dump, "crash", dir)
	_ = cmd.Wait()
	c.stderr = cmd.Stderr.(*strings.Builder).String()
	for _, g := range []string{glob, glob + "." + pid} {
		if names, _ := filepath.Glob(filepath.Join(dir, g)); len(names) == 1 {
			c.core = names[0]
			return c
		}
	}
	t.Skipf("the crash left no core named %q in %s", glob, dir)
	return c
}

func startScenario(t *testing.T, p *program, runner []string, dump, mode, dir string) (*exec.Cmd, string) {
	t.Helper()
	args := append(append(slices.Clone(runner), p.bin), dump, mode)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTRACEBACK=crash", "GODEBUG=tracebacklabels=1")
	cmd.Stderr = &strings.Builder{}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if pid, ok := strings.CutPrefix(sc.Text(), "ready "); ok {
				ready <- pid
				return
			}
		}
		close(ready)
	}()
	select {
	case pid, ok := <-ready:
		if !ok {
			_ = cmd.Wait()
			t.Fatalf("the scenario ended before it was ready:\n%s", cmd.Stderr)
		}
		return cmd, pid
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("the scenario did not get ready in two minutes")
	}
	return nil, ""
}

func readDump(t *testing.T, path string) *goroutines.Snapshot {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := goroutines.Parse(data, dumpformat.Limits{})
	if err != nil {
		t.Fatalf("the scenario's own dump: %v", err)
	}
	return snap
}

// writerOf returns the id of the goroutine that wrote the dump: the only one
// running in it.
func writerOf(t *testing.T, dump *goroutines.Snapshot) int64 {
	t.Helper()
	var ids []int64
	for _, g := range dump.Goroutines {
		if g.State == "running" {
			ids = append(ids, g.ID)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("the dump has %d running goroutines %v, want the writer alone", len(ids), ids)
	}
	return ids[0]
}

func without(s *goroutines.Snapshot, ids ...int64) *goroutines.Snapshot {
	out := *s
	out.Goroutines = slices.DeleteFunc(slices.Clone(s.Goroutines), func(g goroutines.Goroutine) bool {
		return slices.Contains(ids, g.ID)
	})
	out.Total = len(out.Goroutines)
	return &out
}
