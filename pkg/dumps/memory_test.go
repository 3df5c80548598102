//go:build unix

package dumps

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// allocated is how many heap bytes fn allocates, from the runtime's own
// count, which also sees what fn's callees allocate.
func allocated(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	runtime.GC()
	metrics.Read(sample)
	before := sample[0].Value.Uint64()
	fn()
	metrics.Read(sample)
	return sample[0].Value.Uint64() - before
}

// bigText is a goroutine dump of about size bytes.
func bigText(size int) []byte {
	block := []byte("goroutine 7 [chan receive, 3 minutes]:\nmain.worker(0xc000012345)\n\t/srv/app/worker.go:42 +0x1d\ncreated by main.main in goroutine 1\n\t/srv/app/main.go:17 +0x2a\n\n")
	return bytes.Repeat(block, size/len(block)+1)
}

// Finishing a chunked upload of a large dump used to read the whole file
// into memory (a 1 GiB upload, 1 GiB resident, two at once). It now maps
// the file: hashing, detection and validation allocate next to nothing.
func TestFinishingAnUploadDoesNotCopyIt(t *testing.T) {
	data := bigText(32 << 20)
	validated := 0
	s := openTestStore(t, StoreOptions{MaxUploadBytes: 64 << 20, Validate: func(_ string, f dumpformat.Format, plain []byte) (Snapshots, error) {
		validated = len(plain)
		return nil, nil
	}})
	u, err := s.BeginUpload("big.txt", int64(len(data)), "carol")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendChunk(u.ID, 0, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	var e Entry
	n := allocated(func() { e, _, err = s.FinishUpload(u.ID) })
	if err != nil || e.Format != dumpformat.GoroutineText || validated != len(data) {
		t.Fatalf("finish: %+v %v (validated %d bytes)", e, err, validated)
	}
	if n > uint64(len(data))/16 {
		t.Errorf("finishing a %d-byte upload allocated %d bytes", len(data), n)
	}
}

// Reading a stored dump or a directory file maps it instead of copying it.
func TestReadingADumpDoesNotCopyIt(t *testing.T) {
	data := bigText(32 << 20)
	s := openTestStore(t, StoreOptions{MaxUploadBytes: 64 << 20})
	stored, _, err := s.Put("big.txt", "carol", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "goroutine.txt"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	c := NewCatalog(s, openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "d", Path: dir}}}))
	for _, id := range []string{stored.ID, "dir:d:goroutine.txt"} {
		var sum int
		n := allocated(func() {
			_, content, err := c.Get(id)
			if err != nil {
				t.Fatal(err)
			}
			defer content.Close()
			err = content.Read(func(plain []byte) error {
				sum = len(plain)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		if sum != len(data) || n > uint64(len(data))/16 {
			t.Errorf("%s: read %d bytes, allocated %d", id, sum, n)
		}
	}
}

// A tool may truncate a file in a dump directory while it is read (log
// rotation with copytruncate); the mapping then faults past the new end.
// The read fails with an error and the process lives on.
func TestFileTruncatedWhileReadIsAnError(t *testing.T) {
	path, content := openDirectoryFile(t, bigText(1<<20))
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err := content.Read(func(plain []byte) error {
		_ = bytes.Count(plain, []byte("goroutine "))
		return nil
	})
	if !errors.Is(err, ErrConflict) {
		t.Errorf("err = %v", err)
	}
}

// Reconfiguring a store keeps its uploads in progress (a second store on
// the directory would have deleted them) and applies the new limits.
func TestReconfigureKeepsUploadsInProgress(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, StoreOptions{Dir: dir, MaxUploadBytes: 1 << 20})
	data := readTestdata(t, "goroutine_debug_2.go1.27.txt")
	u, err := s.BeginUpload("a.txt", int64(len(data)), "carol")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendChunk(u.ID, 0, bytes.NewReader(data[:100])); err != nil {
		t.Fatal(err)
	}
	if err := s.Reconfigure(StoreOptions{Dir: dir, MaxUploadBytes: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendChunk(u.ID, 100, bytes.NewReader(data[100:])); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.FinishUpload(u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginUpload("b.txt", 101, "carol"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("new limit not applied: %v", err)
	}
	if err := s.Reconfigure(StoreOptions{Dir: t.TempDir()}); err == nil {
		t.Error("reconfigured onto another directory")
	}
}

// Only a fault inside the mapping is a changed file: a parser's own bug
// still panics, where it can be seen.
func TestOtherPanicsAreNotTakenForAChangedFile(t *testing.T) {
	_, content := openDirectoryFile(t, bigText(1<<16))
	defer func() {
		if recover() == nil {
			t.Error("a nil dereference was swallowed")
		}
	}()
	var missing *Entry
	content.Read(func([]byte) error { return errors.New(missing.Name) })
}

// openDirectoryFile writes data into a dump directory and opens it as the
// catalog does; the content is closed when the test ends.
func openDirectoryFile(t *testing.T, data []byte) (string, *Content) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "goroutine.txt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	d := openTestDirs(t, DirOptions{Dirs: []DirConfig{{Name: "d", Path: dir}}})
	_, content, err := d.Get("dir:d:goroutine.txt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { content.Close() })
	return path, content
}
