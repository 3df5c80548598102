package dumps

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// holmesDir makes a directory the way holmes fills one, plus files that
// must not stop the listing. Its modification time is set in the past so
// that any later change is visible in it.
func holmesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	put := func(rel string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("goroutine.20261121103015.123.log", readTestdata(t, "goroutine.20261121T211542Z.txt"))
	put("goroutine.20261121103045.456.log", readTestdata(t, "goroutine.20261121T211612Z.txt"))
	put("heap.20261121T211542Z.txt", readTestdata(t, "heap.20261121T211542Z.txt"))
	put("goroutine.pb.gz", readTestdata(t, "goroutine.go1.27.pb.gz"))
	put("notes.txt", []byte("remember to rotate these\n"))
	put(".holmes.tmp", []byte("half written"))
	put("old/cpu.20201028100641.bin", readTestdata(t, "goroutine.go1.27.pb.gz"))
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(dir, past, past); err != nil {
		t.Fatal(err)
	}
	return dir
}

func openTestDirs(t *testing.T, opts DirOptions) *Directories {
	t.Helper()
	d, err := OpenDirectories(opts)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func entriesByName(entries []Entry) map[string]Entry {
	m := map[string]Entry{}
	for _, e := range entries {
		m[e.Name] = e
	}
	return m
}

func TestDirectoryListsSnapshots(t *testing.T) {
	d := openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "holmes", Path: holmesDir(t)}}})
	byName := entriesByName(d.List())
	cases := []struct {
		name     string
		format   dumpformat.Format
		captured time.Time
		from     string
	}{
		{"goroutine.20261121103015.123.log", dumpformat.GoroutineDebug1, time.Date(2026, 11, 21, 10, 30, 15, 123e6, time.UTC), CapturedFromName},
		{"goroutine.20261121103045.456.log", dumpformat.GoroutineDebug1, time.Date(2026, 11, 21, 10, 30, 45, 456e6, time.UTC), CapturedFromName},
		{"heap.20261121T211542Z.txt", dumpformat.HeapDebug1, time.Date(2026, 11, 21, 21, 15, 42, 0, time.UTC), CapturedFromName},
		{"goroutine.pb.gz", dumpformat.PprofGoroutine, time.Date(2026, 11, 21, 21, 6, 25, 766198659, time.UTC), CapturedFromContent},
		// The profile's own time wins over the name's.
		{"old/cpu.20201028100641.bin", dumpformat.PprofGoroutine, time.Date(2026, 11, 21, 21, 6, 25, 766198659, time.UTC), CapturedFromContent},
	}
	for _, c := range cases {
		e, ok := byName[c.name]
		if !ok {
			t.Errorf("%s not listed", c.name)
			continue
		}
		if e.ID != "dir:holmes:"+c.name || e.Source != "dir:holmes" || e.Format != c.format ||
			!e.CapturedAt.Equal(c.captured) || e.CapturedFrom != c.from || e.Error != "" || !e.Usable() {
			t.Errorf("%s: %+v", c.name, e)
		}
	}
	notes := byName["notes.txt"]
	if notes.Format != dumpformat.Unknown || !strings.HasPrefix(notes.Error, "unrecognised file: text that is not a Go dump") ||
		notes.CapturedFrom != CapturedFromModified || notes.Usable() {
		t.Errorf("notes.txt: %+v", notes)
	}
	if _, ok := byName[".holmes.tmp"]; ok {
		t.Error("hidden files must be skipped")
	}
	if len(byName) != len(cases)+1 {
		t.Errorf("listed %d entries: %v", len(byName), byName)
	}

	e, content, err := readDump(t, d, "dir:holmes:goroutine.20261121103015.123.log")
	if err != nil || e.Format != dumpformat.GoroutineDebug1 || !strings.HasPrefix(string(content), "goroutine profile: total 246") {
		t.Errorf("Get: %+v, %v", e, err)
	}
	if _, _, err := readDump(t, d, "dir:holmes:notes.txt"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Get of an unrecognised file: %v", err)
	}
}

func TestDirectoryGlobAndDepth(t *testing.T) {
	dir := holmesDir(t)
	d := openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "g", Path: dir, Glob: "goroutine.*"}}, MaxDepth: 1})
	for _, e := range d.List() {
		if !strings.HasPrefix(e.Name, "goroutine.") || strings.Contains(e.Name, "/") {
			t.Errorf("glob or depth not applied: %s", e.Name)
		}
	}
	d = openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "g", Path: dir, Glob: "old/*.bin"}}})
	if entries := d.List(); len(entries) != 1 || entries[0].Name != "old/cpu.20201028100641.bin" {
		t.Errorf("path glob: %+v", entries)
	}
}

func TestDirectoryPicksUpChangesWithoutRestart(t *testing.T) {
	dir := holmesDir(t)
	clock := newFakeClock()
	d := openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "holmes", Path: dir}}, RescanAfter: time.Hour, Now: clock.Now})
	before := len(d.List())

	// A new file changes the directory's modification time: seen at once.
	added := filepath.Join(dir, "goroutine.20261121103115.789.log")
	if err := os.WriteFile(added, readTestdata(t, "goroutine.20261121T211642Z.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	byName := entriesByName(d.List())
	if len(byName) != before+1 || byName["goroutine.20261121103115.789.log"].Format != dumpformat.GoroutineDebug1 {
		t.Fatalf("new file not picked up: %v", byName)
	}

	// Rewriting a file in place leaves the directory's time alone: seen
	// once the listing is older than RescanAfter.
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, readTestdata(t, "heap.20261121T211542Z.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(notes, later, later); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	if e := entriesByName(d.List())["notes.txt"]; e.Format != dumpformat.HeapDebug1 || e.Error != "" {
		t.Fatalf("rewritten file not picked up: %+v", e)
	}

	if err := os.Remove(added); err != nil {
		t.Fatal(err)
	}
	if _, ok := entriesByName(d.List())["goroutine.20261121103115.789.log"]; ok {
		t.Error("deleted file still listed")
	}
	if _, _, err := readDump(t, d, "dir:holmes:goroutine.20261121103115.789.log"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a deleted file: %v", err)
	}
}

func TestDirectoryUnreadableFilesAreListedWithTheirError(t *testing.T) {
	dir := holmesDir(t)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("goroutine profile: total 1\nSECRET\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, os.Symlink(outside, filepath.Join(dir, "escape.log")))
	must(t, os.Symlink("missing.log", filepath.Join(dir, "dangling.log")))
	must(t, os.Symlink("heap.20261121T211542Z.txt", filepath.Join(dir, "latest-heap.txt")))
	must(t, os.WriteFile(filepath.Join(dir, "huge.log"), make([]byte, 64<<10), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "locked.log"), []byte("goroutine profile: total 1\n"), 0o000))
	must(t, os.WriteFile(filepath.Join(dir, "bomb.pb.gz"), gzipBomb(t, 8<<20), 0o644))

	d := openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "holmes", Path: dir}}, MaxFileBytes: 32 << 10, Limits: dumpformat.Limits{MaxDecompressedBytes: 1 << 20}})
	byName := entriesByName(d.List())
	for name, want := range map[string]string{
		"escape.log":   "path escapes from parent",
		"dangling.log": "no such file or directory",
		"huge.log":     "the file is 64 KiB; files above 32 KiB are not read",
		"bomb.pb.gz":   "decompressed size exceeds 1 MiB limit",
	} {
		if e := byName[name]; !strings.Contains(e.Error, want) || e.Usable() {
			t.Errorf("%s: error %q, want it to contain %q", name, e.Error, want)
		}
	}
	if e := byName["latest-heap.txt"]; e.Format != dumpformat.HeapDebug1 || e.Error != "" {
		t.Errorf("a link within the directory must be followed: %+v", e)
	}
	if os.Geteuid() != 0 {
		if e := byName["locked.log"]; !strings.Contains(e.Error, "permission denied") {
			t.Errorf("locked.log: %+v", e)
		}
	}
	if byName["goroutine.pb.gz"].Format != dumpformat.PprofGoroutine {
		t.Error("readable files must still be listed")
	}
}

func TestMissingDirectoryIsNotFatal(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "later")
	clock := newFakeClock()
	d := openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "later", Path: dir}}, Now: clock.Now})
	entries := d.List()
	if len(entries) != 1 || entries[0].ID != "dir:later" || !strings.Contains(entries[0].Error, "no such file or directory") {
		t.Fatalf("missing directory: %+v", entries)
	}
	if strings.Contains(entries[0].Error, parent) {
		t.Errorf("the error shows the server path: %q", entries[0].Error)
	}
	must(t, os.Mkdir(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "goroutine.20261121103015.log"), readTestdata(t, "goroutine.20261121T211542Z.txt"), 0o644))
	clock.Advance(time.Minute)
	if entries := d.List(); len(entries) != 1 || entries[0].Format != dumpformat.GoroutineDebug1 {
		t.Fatalf("directory created later: %+v", entries)
	}
}

func TestDirectoryPathTraversalIsRejected(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "dumps")
	must(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "sub", "goroutine.txt"), readTestdata(t, "goroutine.20261121T211542Z.txt"), 0o644))
	must(t, os.WriteFile(filepath.Join(base, "secret.txt"), []byte("goroutine profile: total 1\nSECRET\n"), 0o644))
	must(t, os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(dir, "sub", "link.txt")))
	d := openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "dumps", Path: dir}}})

	if _, _, err := readDump(t, d, "dir:dumps:sub/goroutine.txt"); err != nil {
		t.Fatalf("a file in a subdirectory: %v", err)
	}
	for _, id := range []string{
		"dir:dumps:../secret.txt",
		"dir:dumps:sub/../../secret.txt",
		"dir:dumps:" + filepath.Join(base, "secret.txt"),
		"dir:dumps:/etc/passwd",
		"dir:dumps:./sub/goroutine.txt",
		"dir:dumps:sub//goroutine.txt",
		`dir:dumps:sub\..\..\secret.txt`,
		"dir:dumps:..",
		"dir:dumps:",
		"dir:..:secret.txt",
		"dir:dumps:sub/link.txt",
		"dir:nope:sub/goroutine.txt",
	} {
		e, content, err := readDump(t, d, id)
		if err == nil || strings.Contains(string(content), "SECRET") {
			t.Errorf("Get(%q) = %+v, %q, %v; want an error", id, e, content, err)
		}
	}
}

func TestDirectoryConfigErrors(t *testing.T) {
	for _, dirs := range [][]DirConfig{
		{{Name: "", Path: "/tmp"}},
		{{Name: "a:b", Path: "/tmp"}},
		{{Name: "../x", Path: "/tmp"}},
		{{Name: "a", Path: ""}},
		{{Name: "a", Path: "/tmp"}, {Name: "a", Path: "/var"}},
		{{Name: "a", Path: "/tmp", Glob: "["}},
	} {
		if _, err := OpenDirectories(DirOptions{Dirs: dirs}); err == nil {
			t.Errorf("%+v accepted", dirs)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
