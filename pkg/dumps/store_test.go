package dumps

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

func TestPutStoresAndSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	s := openTestStore(t, StoreOptions{Dir: dir, Now: clock.Now})
	data := readTestdata(t, "goroutine.20261121T211542Z.txt")

	e, created, err := s.Put("goroutine.20261121T211542Z.txt", "alice", bytes.NewReader(data))
	if err != nil || !created {
		t.Fatalf("Put: created=%v err=%v", created, err)
	}
	sum := sha256.Sum256(data)
	want := Entry{
		ID:                hex.EncodeToString(sum[:]),
		Source:            SourceUpload,
		Name:              "goroutine.20261121T211542Z.txt",
		Format:            dumpformat.GoroutineDebug1,
		FormatDescription: dumpformat.GoroutineDebug1.Description(),
		Profile:           "goroutine",
		Detail:            "goroutine profile: total 246",
		Size:              int64(len(data)),
		CapturedAt:        time.Date(2026, 11, 21, 21, 15, 42, 0, time.UTC),
		CapturedFrom:      CapturedFromName,
		Uploader:          "alice",
		UploadedAt:        clock.Now(),
	}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("entry:\n got %+v\nwant %+v", e, want)
	}
	s.Close()

	reopened := openTestStore(t, StoreOptions{Dir: dir, Now: clock.Now})
	got, content, err := readDump(t, reopened, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) || !bytes.Equal(content, data) {
		t.Fatalf("after reopen: entry %+v, content equal %v", got, bytes.Equal(content, data))
	}
	if u := reopened.Usage(); u.Dumps != 1 || u.UsedBytes != int64(len(data)) {
		t.Errorf("usage after reopen = %+v", u)
	}
}

func TestGzipProfileIsReadDecompressed(t *testing.T) {
	s := openTestStore(t, StoreOptions{})
	raw := readTestdata(t, "goroutine.go1.27.pb.gz")
	e, _, err := s.Put("goroutine.pb.gz", "", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if e.Format != dumpformat.PprofGoroutine || !e.Compressed || e.CapturedFrom != CapturedFromContent || e.Size != int64(len(raw)) {
		t.Fatalf("entry = %+v", e)
	}
	_, content, err := readDump(t, s, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	want, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(content, want) {
		t.Error("Get did not return the decompressed profile")
	}
}

func TestCaptureTimeFallbackAndCorrection(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	s := openTestStore(t, StoreOptions{Dir: dir, Now: clock.Now})
	e, _, err := s.Put("crash.txt", "bob", bytes.NewReader(readTestdata(t, "panic_all.go1.27.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if !e.CapturedAt.Equal(clock.Now()) || e.CapturedFrom != CapturedFromUpload || e.Format != dumpformat.CrashText {
		t.Fatalf("entry = %+v; want captured at the upload time", e)
	}
	incident := time.Date(2026, 11, 20, 3, 4, 5, 0, time.UTC)
	if e, err = s.SetCapturedAt(e.ID, incident); err != nil {
		t.Fatal(err)
	}
	if !e.CapturedAt.Equal(incident) || e.CapturedFrom != CapturedFromUser {
		t.Fatalf("after correction: %+v", e)
	}
	s.Close()
	s = openTestStore(t, StoreOptions{Dir: dir, Now: clock.Now})
	if e, err = s.Entry(e.ID); err != nil || !e.CapturedAt.Equal(incident) {
		t.Fatalf("correction lost on reopen: %+v, %v", e, err)
	}
	if e, err = s.SetCapturedAt(e.ID, time.Time{}); err != nil || e.CapturedFrom != CapturedFromUpload {
		t.Fatalf("reset: %+v, %v", e, err)
	}
	if _, err := s.SetCapturedAt(strings.Repeat("0", 64), incident); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: err = %v", err)
	}
}

func TestRejectedUploadsLeaveNothing(t *testing.T) {
	dir := t.TempDir()
	var validated []dumpformat.Format
	s := openTestStore(t, StoreOptions{Dir: dir, Validate: func(_ string, f dumpformat.Format, data []byte) (Snapshots, error) {
		validated = append(validated, f)
		if !bytes.HasPrefix(data, []byte("goroutine profile:")) {
			return nil, errors.New("line 1: want a goroutine profile header")
		}
		if bytes.Contains(data, []byte("main.leak")) {
			return nil, errors.New("line 4: malformed frame")
		}
		return nil, nil
	}})
	cases := []struct {
		name, content, message string
	}{
		{"empty.txt", "", "the upload is empty"},
		{"page.html", "<html><head><title>404 page not found</title></head></html>", `unrecognised file: an HTML page titled "404 page not found"`},
		{"garbage.bin", "\x00\x01\x02\x03binary\xff\xfe", "unrecognised file: binary data"},
		{"broken.txt", "goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.leak+0x0\t/x.go:1\n", "invalid goroutine profile (debug=1): line 4: malformed frame"},
	}
	for _, c := range cases {
		_, _, err := s.Put(c.name, "", strings.NewReader(c.content))
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), c.message) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.message)
		}
	}
	if len(validated) != 1 || validated[0] != dumpformat.GoroutineDebug1 {
		t.Errorf("Validate saw %v; it must run only on recognised dumps", validated)
	}
	if u := s.Usage(); u.Dumps != 0 || u.UsedBytes != 0 {
		t.Errorf("usage = %+v", u)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("files left behind: %v", files)
	}
}

func TestUploadLimits(t *testing.T) {
	s := openTestStore(t, StoreOptions{MaxUploadBytes: 4 << 10, Limits: dumpformat.Limits{MaxDecompressedBytes: 1 << 20}})
	big := readTestdata(t, "goroutine.20261121T211542Z.txt")
	if _, _, err := s.Put("big.txt", "", bytes.NewReader(big)); !errors.Is(err, ErrTooLarge) ||
		err.Error() != "the dump is larger than the 4 KiB upload limit" {
		t.Errorf("Put over the limit: %v", err)
	}
	if _, err := s.BeginUpload("big.txt", int64(len(big)), ""); !errors.Is(err, ErrTooLarge) ||
		!strings.Contains(err.Error(), "the upload limit is 4 KiB") {
		t.Errorf("BeginUpload over the limit: %v", err)
	}
	bomb := gzipBomb(t, 64<<20)
	s = openTestStore(t, StoreOptions{MaxUploadBytes: int64(len(bomb)), Limits: dumpformat.Limits{MaxDecompressedBytes: 1 << 20}})
	_, _, err := s.Put("bomb.pb.gz", "", bytes.NewReader(bomb))
	if !errors.Is(err, ErrTooLarge) || err.Error() != "decompressed size exceeds 1 MiB limit (the bound set by maxDecompressedMiB)" {
		t.Errorf("gzip bomb: %v", err)
	}
	if u := s.Usage(); u.Dumps != 0 {
		t.Errorf("usage = %+v", u)
	}
}

func TestDefaultDecompressionLimitOnUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("expands 512 MiB")
	}
	s := openTestStore(t, StoreOptions{})
	_, _, err := s.Put("bomb.pb.gz", "", bytes.NewReader(gzipBomb(t, 1<<30)))
	if !errors.Is(err, ErrTooLarge) || err.Error() != "decompressed size exceeds 512 MiB limit (the bound set by maxDecompressedMiB)" {
		t.Errorf("gzip bomb: %v", err)
	}
}

func TestQuota(t *testing.T) {
	s := openTestStore(t, StoreOptions{QuotaBytes: 10 << 10})
	first := readTestdata(t, "goroutine.20261121T211542Z.txt")
	second := readTestdata(t, "goroutine.20261121T211612Z.txt")
	e1, _, err := s.Put("first.txt", "", bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Put("second.txt", "", bytes.NewReader(second))
	want := "dump store is full: 5.7 KiB of 10 KiB used; delete dumps or raise the quota"
	if !errors.Is(err, ErrFull) || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if _, err := s.BeginUpload("second.txt", int64(len(second)), ""); !errors.Is(err, ErrFull) {
		t.Fatalf("BeginUpload: err = %v, want the quota error", err)
	}
	// Identical content needs no room.
	if _, created, err := s.Put("again.txt", "", bytes.NewReader(first)); err != nil || created {
		t.Fatalf("re-upload of stored content: created=%v err=%v", created, err)
	}
	if err := s.Delete(e1.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Put("second.txt", "", bytes.NewReader(second)); err != nil {
		t.Fatalf("after delete: %v", err)
	}
	if u := s.Usage(); u.UsedBytes != int64(len(second)) || u.QuotaBytes != 10<<10 {
		t.Errorf("usage = %+v", u)
	}
}

func TestQuotaCountsUploadsInProgress(t *testing.T) {
	s := openTestStore(t, StoreOptions{QuotaBytes: 10 << 10})
	u, err := s.BeginUpload("a.txt", 6<<10, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.BeginUpload("b.txt", 6<<10, "")
	if !errors.Is(err, ErrFull) || !strings.Contains(err.Error(), "6 KiB held for uploads in progress") {
		t.Fatalf("err = %v", err)
	}
	if err := s.AbortUpload(u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginUpload("b.txt", 6<<10, ""); err != nil {
		t.Fatalf("after abort: %v", err)
	}
}

func TestDeleteAndNotFound(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, StoreOptions{Dir: dir})
	e, _, err := s.Put("heap.txt", "", bytes.NewReader(readTestdata(t, "heap.20261121T211542Z.txt")))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(e.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(e.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	if _, _, err := readDump(t, s, e.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("files left after delete: %v", files)
	}
}

func TestOpenClearsWhatACrashLeaves(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, StoreOptions{Dir: dir})
	kept, _, err := s.Put("kept.txt", "", bytes.NewReader(readTestdata(t, "goroutine.20261121T211542Z.txt")))
	if err != nil {
		t.Fatal(err)
	}
	damaged, _, err := s.Put("damaged.txt", "", bytes.NewReader(readTestdata(t, "heap.20261121T211542Z.txt")))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	uncommitted := strings.Repeat("a", 64)
	write(tempPrefix+"12345", "half a dump")
	write(uncommitted+dumpExt, "goroutine profile: total 1\n")
	write(strings.Repeat("b", 64)+sidecarExt, `{"id":"`+strings.Repeat("b", 64)+`"}`)
	write(damaged.ID+sidecarExt, "{not json")

	s = openTestStore(t, StoreOptions{Dir: dir})
	files, _ := os.ReadDir(dir)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	want := []string{damaged.ID + dumpExt, damaged.ID + sidecarExt, kept.ID + dumpExt, kept.ID + sidecarExt}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("files after reopen: %v, want %v", names, want)
	}
	if _, err := s.Entry(kept.ID); err != nil {
		t.Error(err)
	}
	rebuilt, err := s.Entry(damaged.ID)
	if err != nil || rebuilt.Format != dumpformat.HeapDebug1 || rebuilt.Size != damaged.Size {
		t.Errorf("damaged metadata not rebuilt: %+v, %v", rebuilt, err)
	}
	if _, err := s.Entry(uncommitted); !errors.Is(err, ErrNotFound) {
		t.Errorf("uncommitted dump is listed: %v", err)
	}
}
