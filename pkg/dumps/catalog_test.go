package dumps

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

func testCatalog(t *testing.T) (*Catalog, Entry) {
	t.Helper()
	s := openTestStore(t, StoreOptions{})
	upload, _, err := s.Put("goroutine.20261121T211642Z.txt", "alice", bytes.NewReader(readTestdata(t, "goroutine.20261121T211642Z.txt")))
	if err != nil {
		t.Fatal(err)
	}
	d := openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "holmes", Path: holmesDir(t)}}})
	return NewCatalog(s, d), upload
}

func ids(entries []Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

func TestCatalogListAndFilters(t *testing.T) {
	c, upload := testCatalog(t)
	all := c.List(Filter{})
	if len(all) != 7 {
		t.Fatalf("listed %d: %v", len(all), ids(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].CapturedAt.After(all[i-1].CapturedAt) {
			t.Fatalf("not newest first: %v", ids(all))
		}
	}
	if got := c.List(Filter{Source: SourceUpload}); len(got) != 1 || got[0].ID != upload.ID {
		t.Errorf("source upload: %v", ids(got))
	}
	if got := c.List(Filter{Source: "dir:holmes", Format: dumpformat.GoroutineDebug1}); len(got) != 2 {
		t.Errorf("holmes goroutine-debug1: %v", ids(got))
	}
	if got := c.List(Filter{Source: "dir"}); len(got) != 6 {
		t.Errorf("every directory: %v", ids(got))
	}
	if got := c.List(Filter{Source: "dir:nope"}); len(got) != 0 {
		t.Errorf("unknown directory: %v", ids(got))
	}
	if got := c.List(Filter{Profile: "goroutine"}); len(got) != 5 {
		t.Errorf("profile goroutine: %v", ids(got))
	}
}

func TestCatalogSnapshotsInRange(t *testing.T) {
	c, _ := testCatalog(t)
	day := Filter{
		Source:  "dir:holmes",
		Profile: "goroutine",
		From:    time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
		To:      time.Date(2026, 11, 21, 10, 30, 45, 456e6, time.UTC),
	}
	snaps := c.Snapshots(day)
	want := []string{"dir:holmes:goroutine.20261121103015.123.log", "dir:holmes:goroutine.20261121103045.456.log"}
	if got := ids(snaps); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("snapshots = %v, want %v (oldest first, both bounds inclusive)", got, want)
	}
	latest, ok := c.Latest(day)
	if !ok || latest.ID != want[1] {
		t.Errorf("latest = %v, %v", latest.ID, ok)
	}
	if _, ok := c.Latest(Filter{Source: "dir:holmes", Format: dumpformat.Trace}); ok {
		t.Error("latest trace found where there is none")
	}
	for _, e := range c.Snapshots(Filter{}) {
		if !e.Usable() {
			t.Errorf("unusable snapshot %s", e.ID)
		}
	}
}

func TestCatalogGet(t *testing.T) {
	c, upload := testCatalog(t)
	if e, content, err := readDump(t, c, upload.ID); err != nil || e.ID != upload.ID || len(content) != int(upload.Size) {
		t.Errorf("get upload: %v", err)
	}
	if e, _, err := readDump(t, c, "dir:holmes:heap.20261121T211542Z.txt"); err != nil || e.Format != dumpformat.HeapDebug1 {
		t.Errorf("get directory file: %+v %v", e, err)
	}
	if e, err := c.Entry("dir:holmes:heap.20261121T211542Z.txt"); err != nil || e.Size == 0 {
		t.Errorf("entry of directory file: %+v %v", e, err)
	}
	if _, _, err := readDump(t, c, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	uploadsOnly := NewCatalog(c.Store(), nil)
	if _, _, err := readDump(t, uploadsOnly, "dir:holmes:heap.20261121T211542Z.txt"); !errors.Is(err, ErrNotFound) {
		t.Errorf("directory id without directories: %v", err)
	}
	if got := c.Sources(); len(got) != 2 || got[0].ID != "upload" || got[1].ID != "dir:holmes" {
		t.Errorf("sources = %+v", got)
	}
}

func TestCatalogChangesOnlyUploads(t *testing.T) {
	c, upload := testCatalog(t)
	dirID := "dir:holmes:goroutine.pb.gz"
	if _, err := c.SetCapturedAt(dirID, time.Now()); !errors.Is(err, ErrReadOnly) {
		t.Errorf("set the capture time of a directory dump: %v", err)
	}
	if err := c.Delete(dirID); !errors.Is(err, ErrReadOnly) {
		t.Errorf("delete a directory dump: %v", err)
	}
	at := time.Date(2026, 11, 20, 3, 4, 5, 0, time.UTC)
	if e, err := c.SetCapturedAt(upload.ID, at); err != nil || !e.CapturedAt.Equal(at) {
		t.Errorf("set the capture time of an upload: %+v %v", e, err)
	}
	if err := c.Delete(upload.ID); err != nil {
		t.Errorf("delete an upload: %v", err)
	}
	withoutStore := NewCatalog(nil, nil)
	if err := withoutStore.Delete(upload.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete without a store: %v", err)
	}
}
