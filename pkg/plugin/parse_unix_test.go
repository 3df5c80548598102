//go:build unix

package plugin

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"syscall"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// Stored dumps are parsed straight from a read-only mapping of their file,
// which is unmapped once the view is built while the parse stays cached.
// That is safe only if no parser writes to its input (that would fault)
// or keeps any of it (the parse would then change when the memory is
// reused). Every file of the corpora is parsed from such a mapping, the
// mapping overwritten, and the parse compared with one of a private copy.
func TestParsersNeitherKeepNorChangeTheirInput(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../goroutines/testdata/corpus/*/*", "../goroutines/testdata/go1.*/*", "../profiles/testdata/*", "../dumps/testdata/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	checked := 0
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil || len(raw) == 0 {
			continue
		}
		plain, _, err := dumpformat.Decode(raw, dumpformat.Limits{MaxDecompressedBytes: 1 << 30})
		if err != nil {
			continue
		}
		format := dumpformat.Detect(path, plain).Format
		var p parser
		switch {
		case isGoroutineDump(format):
			p = goroutineParser
		case isProfileDump(format):
			p = profileParser
		default:
			continue
		}
		fromMapping, scribble := parseMapped(t, p, plain)
		want := p.parse(bytes.Clone(plain), dumpformat.Limits{})
		scribble()
		if !reflect.DeepEqual(fromMapping, want) {
			t.Errorf("%s: the %s parse changed when its input was overwritten", path, p.name)
		}
		checked++
	}
	if checked < 50 {
		t.Errorf("only %d files checked", checked)
	}
}

// parseMapped parses data from a read-only mapping of a file holding it;
// scribble then overwrites the file's pages with other bytes.
func parseMapped(t *testing.T, p parser, data []byte) (parsed, func()) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "dump")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	mapped, err := syscall.Mmap(int(f.Fd()), 0, len(data), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	result := p.parse(mapped, dumpformat.Limits{})
	return result, func() {
		if _, err := f.WriteAt(bytes.Repeat([]byte{'#'}, len(data)), 0); err != nil {
			t.Fatal(err)
		}
		if mapped[0] != '#' {
			t.Fatal("the mapping does not show the file's new bytes")
		}
		if err := syscall.Munmap(mapped); err != nil {
			t.Fatal(err)
		}
	}
}

// Querying a stored dump allocates the parse and the view, not a copy of
// the dump (it is mapped), and a repeated query allocates next to nothing.
func TestStoredDumpQueryDoesNotCopyTheDump(t *testing.T) {
	dump := generatedDump(100_000)
	storeDir := t.TempDir()
	id := storeDump(t, newInstance(t, fmt.Sprintf(`{"dumpStoreDir":%q,"maxUploadMiB":256}`, storeDir)), dump)
	d := newInstance(t, fmt.Sprintf(`{"dumpStoreDir":%q,"maxUploadMiB":256}`, storeDir))
	q := fmt.Sprintf(`{"queryType":"goroutines","view":"groups","dump":%q}`, id)
	first := allocatedBy(func() { queryFrames(t, d, q) })
	if limit := uint64(len(dump)) * 8 / 10; first > limit {
		t.Errorf("the first query of a %d-byte dump allocated %d bytes (limit %d)", len(dump), first, limit)
	}
	if repeated := allocatedBy(func() { queryFrames(t, d, q) }); repeated > uint64(len(dump))/100 {
		t.Errorf("a repeated query allocated %d bytes", repeated)
	}
}

func allocatedBy(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
