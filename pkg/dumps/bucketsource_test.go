package dumps

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/objstore"
)

// holmesBucket fills a bucket prefix with what holmesDir holds, as a
// sidecar shipping holmes's files would, plus keys with odd characters.
func holmesBucket(t *testing.T) *objstore.S3 {
	t.Helper()
	b := openS3(t)
	dir := holmesDir(t)
	err := filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		if err == nil {
			err = putBytes(context.Background(), b, filepath.ToSlash(rel), data)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for key, data := range map[string]string{
		"odd/space and ümlaut #1?.txt":       string(readTestdata(t, "goroutine.20261121T211542Z.txt")),
		"odd/quote\"and'%20.goroutine.log":   "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.main+0x0\t/m.go:1\n",
		"odd/" + strings.Repeat("x", 200):    "garbage",
		"big/goroutine.20261121T211542Z.txt": strings.Repeat("a", 2<<10),
	} {
		if err := putBytes(context.Background(), b, key, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestBucketSourceListsLikeADirectory(t *testing.T) {
	b := holmesBucket(t)
	d := openTestDirs(t, DirOptions{Buckets: []BucketSource{{DirConfig: DirConfig{Name: "shipped"}, Bucket: b}},
		CacheDir: t.TempDir(), MaxFileBytes: 1 << 20})
	byName := entriesByName(d.List())
	for name, want := range map[string]struct {
		format dumpformat.Format
		from   string
	}{
		"goroutine.20261121103015.123.log": {dumpformat.GoroutineDebug1, CapturedFromName},
		"heap.20261121T211542Z.txt":        {dumpformat.HeapDebug1, CapturedFromName},
		"goroutine.pb.gz":                  {dumpformat.PprofGoroutine, CapturedFromContent},
		"old/cpu.20201028100641.bin":       {dumpformat.PprofGoroutine, CapturedFromContent},
		"odd/space and ümlaut #1?.txt":     {dumpformat.GoroutineDebug1, CapturedFromModified},
	} {
		e, ok := byName[name]
		if !ok {
			t.Errorf("%s not listed", name)
			continue
		}
		if e.ID != "bucket:shipped:"+name || e.Source != "bucket:shipped" || e.Format != want.format || e.CapturedFrom != want.from || !e.Usable() {
			t.Errorf("%s: %+v", name, e)
		}
	}
	if _, ok := byName[".holmes.tmp"]; ok {
		t.Error("hidden objects must be skipped")
	}
	if e := byName["odd/"+strings.Repeat("x", 200)]; e.Usable() || !strings.HasPrefix(e.Error, "unrecognised file") {
		t.Errorf("garbage object: %+v", e)
	}
	e, content, err := readDump(t, d, "bucket:shipped:goroutine.20261121103015.123.log")
	if err != nil || e.Format != dumpformat.GoroutineDebug1 || !strings.HasPrefix(string(content), "goroutine profile: total 246") {
		t.Fatalf("Get: %+v, %v", e, err)
	}
	if _, _, err := readDump(t, d, "bucket:shipped:../goroutine.pb.gz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a key outside the prefix: %v", err)
	}
	if _, _, err := readDump(t, d, "dir:shipped:goroutine.pb.gz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a bucket source read as a directory: %v", err)
	}
	if sources := d.Sources(); len(sources) != 1 || sources[0] != (Source{ID: "bucket:shipped", Name: "shipped", Kind: "bucket"}) {
		t.Errorf("sources %+v", sources)
	}
}

func TestBucketSourceIsBounded(t *testing.T) {
	b := holmesBucket(t)
	d := openTestDirs(t, DirOptions{Buckets: []BucketSource{{DirConfig: DirConfig{Name: "s", Glob: "big/*"}, Bucket: b}},
		CacheDir: t.TempDir(), MaxFileBytes: 1 << 10, MaxCoreBytes: 1 << 10})
	if entries := d.List(); len(entries) != 1 || !strings.Contains(entries[0].Error, "files above 1 KiB are not read") {
		t.Fatalf("an object above the limit: %+v", d.List())
	}
	d = openTestDirs(t, DirOptions{Buckets: []BucketSource{{DirConfig: DirConfig{Name: "s"}, Bucket: b}},
		CacheDir: t.TempDir(), MaxFiles: 3})
	byID := map[string]Entry{}
	for _, e := range d.List() {
		byID[e.ID] = e
	}
	if len(byID) > 4 || !strings.Contains(byID["bucket:s"].Error, "more than 3 files") {
		t.Fatalf("a listing past MaxFiles: %+v", byID)
	}
}

func TestBucketSourceFollowsTheBucket(t *testing.T) {
	b := openS3(t)
	clock := newFakeClock()
	d := openTestDirs(t, DirOptions{Buckets: []BucketSource{{DirConfig: DirConfig{Name: "s"}, Bucket: b}},
		CacheDir: t.TempDir(), Now: clock.Now, RescanAfter: time.Minute})
	if len(d.List()) != 0 {
		t.Fatal("an empty prefix lists dumps")
	}
	ctx := context.Background()
	if err := putBytes(ctx, b, "goroutine.20261121T211542Z.txt", readTestdata(t, "goroutine.20261121T211542Z.txt")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	if len(d.List()) != 1 {
		t.Fatal("a new object is not listed after the rescan interval")
	}
	// Listed, then deleted before it is read.
	if err := b.Delete(ctx, "goroutine.20261121T211542Z.txt"); err != nil {
		t.Fatal(err)
	}
	d2 := openTestDirs(t, DirOptions{Buckets: []BucketSource{{DirConfig: DirConfig{Name: "s"}, Bucket: b}},
		CacheDir: t.TempDir(), Now: clock.Now, RescanAfter: time.Minute})
	if _, _, err := readDump(t, d, "bucket:s:goroutine.20261121T211542Z.txt"); err != nil {
		t.Fatalf("a file read while its copy is cached: %v", err)
	}
	clock.Advance(2 * time.Minute)
	if _, _, err := readDump(t, d, "bucket:s:goroutine.20261121T211542Z.txt"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a vanished object: %v", err)
	}
	if len(d2.List()) != 0 {
		t.Error("a deleted object is listed")
	}
}

func TestBucketSourceCoresFindTheirExecutable(t *testing.T) {
	b := openS3(t)
	ctx := context.Background()
	for key, data := range map[string][]byte{
		"crashes/core.1": elfHeader(4, "core"),
		"crashes/app":    elfHeader(2, "program"),
		"lonely/core.2":  elfHeader(4, "core"),
	} {
		if err := putBytes(ctx, b, key, data); err != nil {
			t.Fatal(err)
		}
	}
	rr := &recordingReader{}
	d := openTestDirs(t, DirOptions{Buckets: []BucketSource{{DirConfig: DirConfig{Name: "s"}, Bucket: b}},
		CacheDir: t.TempDir(), Cores: CoreReader{Program: func(string) (string, error) { return "/srv/app", nil }, Validate: rr.reader().Validate}})
	byName := entriesByName(d.List())
	if e := byName["crashes/core.1"]; e.Core == nil || e.Core.Executable != "crashes/app" || !e.Usable() {
		t.Errorf("core beside its executable: %+v", e)
	}
	if e := byName["lonely/core.2"]; e.Usable() || !strings.Contains(e.Error, "no executable for this core") {
		t.Errorf("core without its executable: %+v", e)
	}
	if _, ok := byName["crashes/app"]; ok {
		t.Error("the executable is listed as a dump")
	}
	_, files, err := d.CoreFiles("bucket:s:crashes/core.1")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(files.Executable); err != nil || string(data) != string(elfHeader(2, "program")) {
		t.Errorf("local copy of the executable: %v", err)
	}
}
