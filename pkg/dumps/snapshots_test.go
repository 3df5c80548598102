package dumps

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// A validator that reports three snapshots, the last without a log time,
// as a parser does for a log of three crashes.
var threeCrashes = Snapshots{
	{Index: 1, LoggedAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC), Kind: "crash", Goroutines: 3},
	{Index: 2, LoggedAt: time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC), Kind: "crash", Goroutines: 4},
	{Index: 3, Kind: "crash", Goroutines: 5},
}

func validateThree(_ string, format dumpformat.Format, _ []byte) (Snapshots, error) {
	if format != dumpformat.CrashText {
		return nil, nil
	}
	return threeCrashes, nil
}

func TestStoreListsSnapshots(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, StoreOptions{Dir: dir, Validate: validateThree})
	e, _, err := s.Put("service.log", "alice", bytes.NewReader(readTestdata(t, "panic_all.go1.27.txt")))
	if err != nil {
		t.Fatal(err)
	}
	newest := threeCrashes[1].LoggedAt
	if e.SnapshotCount != 3 || len(e.Snapshots) != 3 || !e.CapturedAt.Equal(newest) || e.CapturedFrom != CapturedFromLog {
		t.Fatalf("entry %+v", e)
	}
	// The metadata survives a restart, and a snapshot without a log time
	// is placed at the file's time.
	s.Close()
	e, err = openTestStore(t, StoreOptions{Dir: dir, Validate: validateThree}).Entry(e.ID)
	if err != nil || e.SnapshotCount != 3 || !e.SnapshotTime(e.Snapshots[2]).Equal(newest) {
		t.Fatalf("reopened: %+v, %v", e, err)
	}
	// A range that holds only the first crash still finds the file.
	c := NewCatalog(openTestStore(t, StoreOptions{Dir: dir, Validate: validateThree}), nil)
	first := threeCrashes[0].LoggedAt
	got := c.Snapshots(Filter{From: first.Add(-time.Minute), To: first.Add(time.Minute)})
	if len(got) != 1 {
		t.Fatalf("%d entries in the first crash's minute", len(got))
	}
	if at, ok := got[0].NewestWithin(first.Add(-time.Minute), first.Add(time.Minute)); !ok || !at.Equal(first) {
		t.Errorf("newest within = %v, %v", at, ok)
	}
	if got := c.Snapshots(Filter{From: first.Add(time.Minute), To: first.Add(2 * time.Minute)}); len(got) != 0 {
		t.Errorf("%d entries between the crashes", len(got))
	}
}

func TestDirectoryListsSnapshotsAndRefusesInvalid(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"service.log": readTestdata(t, "panic_all.go1.27.txt"),
		"heap.txt":    readTestdata(t, "heap.20261121T211542Z.txt"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	refuse := func(key string, format dumpformat.Format, data []byte) (Snapshots, error) {
		if format == dumpformat.HeapDebug1 {
			t.Error("a profile was validated when listed")
		}
		return validateThree(key, format, data)
	}
	d, err := OpenDirectories(DirOptions{Dirs: []DirConfig{{Name: "logs", Path: dir}}, Validate: refuse})
	if err != nil {
		t.Fatal(err)
	}
	e, err := d.Entry("dir:logs:service.log")
	if err != nil || e.SnapshotCount != 3 || e.CapturedFrom != CapturedFromLog {
		t.Fatalf("entry %+v, %v", e, err)
	}
	// A file the validator refuses is listed with the reason, unusable.
	d, _ = OpenDirectories(DirOptions{Dirs: []DirConfig{{Name: "logs", Path: dir}},
		Validate: func(string, dumpformat.Format, []byte) (Snapshots, error) {
			return nil, errors.New("no goroutines found")
		}})
	if e, _ := d.Entry("dir:logs:service.log"); e.Usable() || e.Error == "" {
		t.Errorf("refused file listed as %+v", e)
	}
}
