package dumps

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

func TestChunkedUpload(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, StoreOptions{Dir: dir})
	data := readTestdata(t, "goroutine_debug_2.go1.27.txt")
	u, err := s.BeginUpload("goroutine.20260121103015.123.txt", int64(len(data)), "carol")
	if err != nil {
		t.Fatal(err)
	}
	if u.Received != 0 || u.Size != int64(len(data)) || u.ID == "" {
		t.Fatalf("upload = %+v", u)
	}
	const chunk = 4000
	for offset := 0; offset < len(data); offset += chunk {
		end := min(offset+chunk, len(data))
		if u, err = s.AppendChunk(u.ID, int64(offset), bytes.NewReader(data[offset:end])); err != nil {
			t.Fatal(err)
		}
		if offset == 0 {
			// A resent chunk is refused with the offset to resume from.
			_, err := s.AppendChunk(u.ID, 0, bytes.NewReader(data[:chunk]))
			var offsetErr *OffsetError
			if !errors.As(err, &offsetErr) || offsetErr.Received != chunk || !errors.Is(err, ErrConflict) {
				t.Fatalf("resent chunk: %v", err)
			}
			if _, _, err := s.FinishUpload(u.ID); !errors.Is(err, ErrInvalid) ||
				!strings.Contains(err.Error(), "incomplete: 4000 of") {
				t.Fatalf("early finish: %v", err)
			}
		}
	}
	e, created, err := s.FinishUpload(u.ID)
	if err != nil || !created {
		t.Fatalf("finish: created=%v err=%v", created, err)
	}
	want := time.Date(2026, 1, 21, 10, 30, 15, 123e6, time.UTC)
	if e.Format != dumpformat.GoroutineText || e.Uploader != "carol" || !e.CapturedAt.Equal(want) || e.CapturedFrom != CapturedFromName {
		t.Errorf("entry = %+v", e)
	}
	_, content, err := readDump(t, s, e.ID)
	if err != nil || !bytes.Equal(content, data) {
		t.Fatalf("content differs after a chunked upload (err %v)", err)
	}
	if _, err := s.AppendChunk(u.ID, int64(len(data)), strings.NewReader("x")); !errors.Is(err, ErrNotFound) {
		t.Errorf("append after finish: %v", err)
	}
	if temps := tempFiles(t, dir); len(temps) != 0 {
		t.Errorf("temporary files left: %v", temps)
	}
	if usage := s.Usage(); usage.ReservedBytes != 0 {
		t.Errorf("reservation not released: %+v", usage)
	}
}

// failingReader delivers some bytes and then fails, like a dropped connection.
type failingReader struct{ data []byte }

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestFailedChunkIsRolledBack(t *testing.T) {
	s := openTestStore(t, StoreOptions{})
	data := readTestdata(t, "goroutine.20261121T211612Z.txt")
	u, err := s.BeginUpload("g.txt", int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendChunk(u.ID, 0, &failingReader{data: data[:1000]}); err == nil {
		t.Fatal("a failed read must fail the chunk")
	}
	tooLong := append(append([]byte{}, data...), "extra"...)
	if _, err := s.AppendChunk(u.ID, 0, bytes.NewReader(tooLong)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("chunk past the declared size: %v", err)
	}
	if u, err = s.AppendChunk(u.ID, 0, bytes.NewReader(data)); err != nil || u.Received != int64(len(data)) {
		t.Fatalf("resend after failures: %+v, %v", u, err)
	}
	e, _, err := s.FinishUpload(u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, content, _ := readDump(t, s, e.ID); !bytes.Equal(content, data) {
		t.Error("content differs after failed chunks were resent")
	}
}

func TestIdleUploadsExpire(t *testing.T) {
	dir := t.TempDir()
	clock := newFakeClock()
	s := openTestStore(t, StoreOptions{Dir: dir, Now: clock.Now, UploadTTL: time.Minute})
	u, err := s.BeginUpload("g.txt", 100, "")
	if err != nil {
		t.Fatal(err)
	}
	if !u.ExpiresAt.Equal(clock.Now().Add(time.Minute)) {
		t.Errorf("expires at %v", u.ExpiresAt)
	}
	if _, err := s.AppendChunk(u.ID, 0, strings.NewReader("goroutine profile")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	if _, err := s.AppendChunk(u.ID, 17, strings.NewReader(": total 1")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("append to an expired upload: %v", err)
	}
	if temps := tempFiles(t, dir); len(temps) != 0 {
		t.Errorf("expired upload left %v", temps)
	}
	if usage := s.Usage(); usage.ReservedBytes != 0 {
		t.Errorf("expired upload still holds quota: %+v", usage)
	}
}

func TestUploadsInProgressAreBounded(t *testing.T) {
	s := openTestStore(t, StoreOptions{MaxUploadsInProgress: 2})
	for range 2 {
		if _, err := s.BeginUpload("g.txt", 10, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.BeginUpload("g.txt", 10, ""); !errors.Is(err, ErrBusy) {
		t.Fatalf("third upload: %v", err)
	}
	if _, err := s.BeginUpload("g.txt", 0, ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty upload: %v", err)
	}
}
