package dumps

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/internal/s3server"
	"github.com/goscope/pprof/pkg/objstore"
)

// testBucket is the one bucket of the package's tests: each bucket takes
// volumes of the test server, so tests share one under their own prefix.
var testBucket struct {
	once sync.Once
	name string
}

// s3Config addresses a fresh prefix of the test server's bucket.
func s3Config(t *testing.T) objstore.S3Config {
	t.Helper()
	srv := s3server.Shared(t)
	testBucket.once.Do(func() { testBucket.name = srv.NewBucket(t) })
	return objstore.S3Config{Endpoint: srv.Endpoint, Bucket: testBucket.name, Prefix: "team/" + rand.Text(),
		PathStyle: true, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
}

// openS3 opens a fresh prefix of the test server's bucket.
func openS3(t *testing.T) *objstore.S3 {
	t.Helper()
	b, err := objstore.OpenS3(s3Config(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replica opens a store on a shared bucket with its own local directory,
// as another Grafana replica would.
func replica(t *testing.T, b objstore.Bucket, opts StoreOptions) *Store {
	t.Helper()
	opts.Bucket, opts.Dir = b, t.TempDir()
	if opts.RefreshAfter == 0 {
		opts.RefreshAfter = time.Nanosecond
	}
	return openTestStore(t, opts)
}

// eachBucket runs a test on a store in a local directory and on one in an
// S3 bucket.
func eachBucket(t *testing.T, test func(t *testing.T, open func(StoreOptions) *Store)) {
	t.Run("dir", func(t *testing.T) {
		dir := t.TempDir()
		test(t, func(opts StoreOptions) *Store {
			opts.Dir = dir
			return openTestStore(t, opts)
		})
	})
	t.Run("s3", func(t *testing.T) {
		b := openS3(t)
		dir := t.TempDir()
		test(t, func(opts StoreOptions) *Store {
			opts.Bucket, opts.Dir = b, dir
			return openTestStore(t, opts)
		})
	})
}

func TestStoreOnEitherBucket(t *testing.T) {
	eachBucket(t, func(t *testing.T, open func(StoreOptions) *Store) {
		clock := newFakeClock()
		s := open(StoreOptions{Now: clock.Now, QuotaBytes: 64 << 10})
		data := readTestdata(t, "goroutine.20261121T211542Z.txt")
		e, created, err := s.Put("goroutine.20261121T211542Z.txt", "ann", bytes.NewReader(data))
		if err != nil || !created {
			t.Fatalf("put: %v %v", created, err)
		}
		if _, again, err := s.Put("copy.txt", "bob", bytes.NewReader(data)); err != nil || again {
			t.Fatalf("identical put: created=%v %v", again, err)
		}
		chunked := readTestdata(t, "goroutine_debug_2.go1.27.txt")
		id, err := chunkedUpload(s, "chunked.txt", chunked, 3000)
		if err != nil {
			t.Fatal(err)
		}
		fixed := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		if _, err := s.SetCapturedAt(e.ID, fixed); err != nil {
			t.Fatal(err)
		}
		s.Close()

		s = open(StoreOptions{Now: clock.Now, QuotaBytes: 64 << 10})
		if got := s.List(); len(got) != 2 {
			t.Fatalf("after reopen %d dumps listed", len(got))
		}
		got, content, err := readDump(t, s, e.ID)
		if err != nil || !bytes.Equal(content, data) || !got.CapturedAt.Equal(fixed) || got.Uploader != "ann" {
			t.Fatalf("reopened dump %+v (%v)", got, err)
		}
		if _, content, err := readDump(t, s, id); err != nil || !bytes.Equal(content, chunked) {
			t.Fatalf("chunked dump: %v", err)
		}
		big := syntheticDump(9, 60<<10)
		if _, _, err := s.Put("big.txt", "", bytes.NewReader(big)); !errors.Is(err, ErrFull) {
			t.Fatalf("past the quota: %v", err)
		}
		if err := s.Delete(e.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Get(e.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("deleted dump: %v", err)
		}
		if u := s.Usage(); u.Dumps != 1 || u.UsedBytes != int64(len(chunked)) || u.ReservedBytes != 0 {
			t.Errorf("usage %+v", u)
		}
	})
}

func TestCoresOnEitherBucket(t *testing.T) {
	eachBucket(t, func(t *testing.T, open func(StoreOptions) *Store) {
		rr := &recordingReader{}
		s := open(StoreOptions{Cores: rr.reader(), MaxCoreBytes: 1 << 20})
		fx, err := uploadAll(t, s, UploadRequest{Name: "app", Executable: true}, elfHeader(2, "program"))
		if err != nil {
			t.Fatal(err)
		}
		core := elfHeader(4, "core")
		fc, err := uploadAll(t, s, UploadRequest{Name: "core.1", CoreOf: fx.Executable.ID}, core)
		if err != nil || fc.Entry == nil || fc.Entry.Core == nil {
			t.Fatalf("core: %+v %v", fc, err)
		}
		_, files, err := s.CoreFiles(fc.Entry.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(files.Core); err != nil || !bytes.Equal(got, core) {
			t.Fatalf("local core file: %v", err)
		}
		if err := s.Delete(fc.Entry.ID); err != nil {
			t.Fatal(err)
		}
		if u := s.Usage(); u.UsedBytes != 0 {
			t.Errorf("the executable outlived its last core: %+v", u)
		}
	})
}

func TestReplicasShareOneBucket(t *testing.T) {
	b := openS3(t)
	rr := &recordingReader{}
	a := replica(t, b, StoreOptions{Cores: rr.reader()})
	c := replica(t, b, StoreOptions{Cores: rr.reader()})

	data := readTestdata(t, "goroutine.20261121T211542Z.txt")
	e, _, err := a.Put("g.txt", "ann", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if list := c.List(); len(list) != 1 || list[0].ID != e.ID {
		t.Fatalf("the other replica lists %+v", list)
	}
	if _, content, err := readDump(t, c, e.ID); err != nil || !bytes.Equal(content, data) {
		t.Fatalf("read through the other replica: %v", err)
	}
	fixed := time.Date(2026, 2, 2, 2, 2, 2, 0, time.UTC)
	if _, err := c.SetCapturedAt(e.ID, fixed); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Entry(e.ID); err != nil || !got.CapturedAt.Equal(fixed) {
		t.Fatalf("correction not seen by the first replica: %+v %v", got, err)
	}
	if err := c.Delete(e.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.Get(e.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted through the other replica: %v", err)
	}

	// One chunked upload, its requests spread over both replicas.
	chunked := readTestdata(t, "goroutine_debug_2.go1.27.txt")
	u, err := a.BeginUpload("spread.txt", int64(len(chunked)), "bob")
	if err != nil {
		t.Fatal(err)
	}
	const chunk = 2000
	for i, offset := 0, 0; offset < len(chunked); i, offset = i+1, offset+chunk {
		via := []*Store{a, c}[i%2]
		end := min(offset+chunk, len(chunked))
		if _, err := via.AppendChunk(u.ID, int64(offset), bytes.NewReader(chunked[offset:end])); err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		if i == 0 {
			var offErr *OffsetError
			if _, err := c.AppendChunk(u.ID, 0, bytes.NewReader(chunked[:chunk])); !errors.As(err, &offErr) || offErr.Received != chunk {
				t.Fatalf("a chunk resent to the other replica: %v", err)
			}
		}
	}
	spread, created, err := c.FinishUpload(u.ID)
	if err != nil || !created {
		t.Fatalf("finish on the other replica: %v %v", created, err)
	}
	if _, content, err := readDump(t, a, spread.ID); err != nil || !bytes.Equal(content, chunked) {
		t.Fatalf("a chunked upload spread over replicas: %v", err)
	}

	// A core and its executable, uploaded through one and read through the other.
	fx, err := uploadAll(t, a, UploadRequest{Name: "app", Executable: true}, elfHeader(2, "program"))
	if err != nil {
		t.Fatal(err)
	}
	fc, err := uploadAll(t, c, UploadRequest{Name: "core.1", CoreOf: fx.Executable.ID}, elfHeader(4, "core"))
	if err != nil {
		t.Fatalf("core of an executable uploaded through the other replica: %v", err)
	}
	if _, files, err := a.CoreFiles(fc.Entry.ID); err != nil || files.Executable == "" {
		t.Fatalf("core files through the first replica: %+v %v", files, err)
	}
}

func TestReplicasStoreIdenticalUploadsOnce(t *testing.T) {
	b := openS3(t)
	stores := []*Store{replica(t, b, StoreOptions{}), replica(t, b, StoreOptions{})}
	data := readTestdata(t, "heap.20261121T211542Z.txt")
	var wg sync.WaitGroup
	created := make([]bool, 6)
	ids := make([]string, 6)
	for i := range created {
		wg.Go(func() {
			e, c, err := stores[i%2].Put("h.txt", "", bytes.NewReader(data))
			if err != nil {
				t.Error(err)
			}
			ids[i], created[i] = e.ID, c
		})
	}
	wg.Wait()
	n := 0
	for i, c := range created {
		if c {
			n++
		}
		if ids[i] != ids[0] {
			t.Errorf("upload %d got id %s", i, ids[i])
		}
	}
	if n != 1 {
		t.Errorf("%d uploads of one content were created, want 1", n)
	}
	for _, s := range stores {
		if u := s.Usage(); u.Dumps != 1 || u.UsedBytes != int64(len(data)) {
			t.Errorf("usage %+v", u)
		}
	}
}

func TestReplicasShareTheQuota(t *testing.T) {
	b := openS3(t)
	a := replica(t, b, StoreOptions{QuotaBytes: 100 << 10})
	c := replica(t, b, StoreOptions{QuotaBytes: 100 << 10})
	if _, _, err := a.Put("one.txt", "", bytes.NewReader(syntheticDump(1, 60<<10))); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Put("two.txt", "", bytes.NewReader(syntheticDump(2, 60<<10))); !errors.Is(err, ErrFull) {
		t.Fatalf("the other replica passed the shared quota: %v", err)
	}
	// An upload in progress through one replica holds room on the other.
	u, err := a.BeginUpload("three.txt", 30<<10, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AppendChunk(u.ID, 0, bytes.NewReader(syntheticDump(3, 30<<10)[:20<<10])); err != nil {
		t.Fatal(err)
	}
	if _, err := c.BeginUpload("four.txt", 30<<10, ""); !errors.Is(err, ErrFull) {
		t.Fatalf("uploads in progress elsewhere are not counted: %v", err)
	}
}

func TestSharedBucketHostileObjects(t *testing.T) {
	b := openS3(t)
	ctx := context.Background()
	s := replica(t, b, StoreOptions{})
	data := readTestdata(t, "goroutine.20261121T211542Z.txt")
	e, _, err := s.Put("g.txt", "", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	other := replica(t, b, StoreOptions{})
	if len(other.List()) != 1 {
		t.Fatal("not listed")
	}
	// A dump deleted behind the store's back after it was listed.
	if err := b.Delete(ctx, dumpKey(e.ID)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := other.Get(e.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a vanished dump: %v", err)
	}
	if len(other.List()) != 0 {
		t.Error("a dump without its object is listed")
	}

	// Metadata that is garbage, huge or describes another dump; a dump
	// object replaced by other bytes.
	fake := strings.Repeat("c", 64)
	huge := strings.Repeat("d", 64)
	liar := strings.Repeat("e", 64)
	put := func(key string, data []byte) {
		if err := putBytes(ctx, b, key, data); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{fake, huge, liar} {
		put(dumpKey(id), data)
	}
	put(sidecarKey(fake), []byte("{not json"))
	put(sidecarKey(huge), bytes.Repeat([]byte(" "), maxSidecarBytes+1))
	put(sidecarKey(liar), []byte(`{"id":"`+fake+`"}`))
	swapped, _, err := s.Put("h.txt", "", bytes.NewReader(readTestdata(t, "heap.20261121T211542Z.txt")))
	if err != nil {
		t.Fatal(err)
	}
	put(dumpKey(swapped.ID), []byte(strings.Repeat("x", int(swapped.Size))))
	third := replica(t, b, StoreOptions{})
	for _, entry := range third.List() {
		if entry.ID != swapped.ID {
			t.Errorf("listed %s", entry.ID)
		}
	}
	if _, _, err := third.Get(swapped.ID); !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "does not hash to its id") {
		t.Fatalf("a replaced dump object: %v", err)
	}
	if _, content, err := readDump(t, s, swapped.ID); err != nil || len(content) == 0 {
		t.Fatalf("the store that uploaded it reads its own copy: %v", err)
	}
}

func TestSharedBucketCacheIsBounded(t *testing.T) {
	b := openS3(t)
	a := replica(t, b, StoreOptions{})
	reader := replica(t, b, StoreOptions{CacheBytes: 100 << 10})
	var ids []string
	for i := range 4 {
		e, _, err := a.Put("g.txt", "", bytes.NewReader(syntheticDump(i, 40<<10)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}
	for _, id := range ids {
		if _, _, err := readDump(t, reader, id); err != nil {
			t.Fatal(err)
		}
	}
	c := reader.files.(*cachedFiles).cache
	c.mu.Lock()
	total, n := c.total, len(c.files)
	c.mu.Unlock()
	if total > 100<<10 || n != 2 {
		t.Errorf("cache holds %d files, %d bytes", n, total)
	}
}
