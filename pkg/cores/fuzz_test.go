package cores_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goscope/pprof/pkg/cores"
)

// FuzzInspect gives the core-file checks (ELF header, segments, notes,
// auxiliary vector, file mappings) arbitrary bytes: they return an error or
// an Info, and never panic. The executable is the test binary itself, a Go
// ELF executable with DWARF.
func FuzzInspect(f *testing.F) {
	core := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 9)...)
	core = append(core, 4, 0, 0x3e, 0, 1, 0, 0, 0)
	f.Add(core)
	f.Add([]byte("goroutine 1 [running]:\n"))
	exe, err := os.Executable()
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "core")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := cores.Inspect(path, exe)
		if err == nil && (info == nil || len(info.Threads) == 0) {
			t.Errorf("no error and no threads: %+v", info)
		}
		_, _ = cores.Program(path)
	})
}
