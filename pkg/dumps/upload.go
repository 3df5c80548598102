package dumps

import (
	"crypto/rand"
	"errors"
	"io"
	"os"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// Upload is the state of a chunked upload, as reported to the client.
type Upload struct {
	ID        string    `json:"uploadId"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	Received  int64     `json:"received"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// upload is a chunked upload in progress: a temporary file that grows chunk
// by chunk and the quota held for its declared size.
type upload struct {
	// mu serialises the requests of one upload; the store's lock is never
	// held while waiting for it.
	mu         sync.Mutex
	id         string
	name       string
	uploader   string
	size       int64
	received   int64
	file       *os.File
	lastActive time.Time
	// done is set when the upload is finished, aborted or expired.
	done bool
	// isExecutable marks the upload of an executable for core dumps;
	// executable is set on the upload of a core, to its executable's id.
	isExecutable bool
	executable   string
	// modifiedAt is the file's modification time as the client knows it.
	modifiedAt time.Time
}

// UploadRequest describes an upload to begin.
type UploadRequest struct {
	Name     string
	Size     int64
	Uploader string
	// Executable uploads the executable of core dumps to come.
	Executable bool
	// CoreOf makes the upload a core dump of the stored executable with
	// this id (Executable.ID).
	CoreOf string
	// ModifiedAt is the file's modification time, which a core dump is
	// listed at (a core carries no time of its own); zero if unknown.
	ModifiedAt time.Time
}

func (s *Store) state(u *upload) Upload {
	return Upload{ID: u.id, Name: u.name, Size: u.size, Received: u.received, ExpiresAt: u.lastActive.Add(s.options().UploadTTL)}
}

// BeginUpload starts a chunked upload of size bytes. The size is checked
// against the upload limit and reserved against the quota now, so that a
// client learns of either before sending anything.
func (s *Store) BeginUpload(name string, size int64, uploader string) (Upload, error) {
	return s.BeginUploadOf(UploadRequest{Name: name, Size: size, Uploader: uploader})
}

// BeginUploadOf starts a chunked upload of a dump, a core dump or an
// executable. Cores and executables have their own size limit.
func (s *Store) BeginUploadOf(req UploadRequest) (Upload, error) {
	name, size, uploader := req.Name, req.Size, req.Uploader
	if size <= 0 {
		return Upload{}, errorf(ErrInvalid, "the upload size must be positive")
	}
	limit, what, setting := s.options().MaxUploadBytes, "the dump", "upload limit"
	if req.Executable || req.CoreOf != "" {
		limit, what, setting = s.options().MaxCoreBytes, "the core dump", "limit for core dumps and executables (maxCoreUploadMiB)"
		if req.Executable {
			what = "the executable"
		}
	}
	if size > limit {
		return Upload{}, errorf(ErrTooLarge, "%s is %s; the %s is %s", what,
			dumpformat.FormatSize(size), setting, dumpformat.FormatSize(limit))
	}
	s.expireIdleUploads()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.uploads) >= s.options().MaxUploadsInProgress {
		return Upload{}, errorf(ErrBusy, "%d uploads are in progress; try again when one has finished", len(s.uploads))
	}
	if s.used+s.reserved+size > s.options().QuotaBytes {
		return Upload{}, s.full()
	}
	f, err := createTemp(s.dir)
	if err != nil {
		return Upload{}, err
	}
	u := &upload{id: rand.Text(), name: cleanName(name), uploader: uploader, size: size, file: f, lastActive: s.options().Now(),
		isExecutable: req.Executable, executable: req.CoreOf, modifiedAt: req.ModifiedAt}
	s.uploads[u.id] = u
	s.reserved += size
	return s.state(u), nil
}

// AppendChunk adds the bytes of r at offset, which must be where the upload
// stands (an *OffsetError says where that is otherwise). A chunk that fails
// midway is rolled back whole, so the client can resend it.
func (s *Store) AppendChunk(id string, offset int64, r io.Reader) (Upload, error) {
	u, err := s.lockUpload(id)
	if err != nil {
		return Upload{}, err
	}
	defer u.mu.Unlock()
	if offset != u.received {
		return Upload{}, &OffsetError{Offset: offset, Received: u.received}
	}
	remaining := u.size - u.received
	n, err := io.Copy(u.file, io.LimitReader(r, remaining+1))
	if err == nil && n > remaining {
		err = errorf(ErrTooLarge, "the chunk goes past the declared size of %d bytes", u.size)
	}
	if err != nil {
		return Upload{}, errors.Join(err, rewind(u.file, u.received))
	}
	u.received += n
	u.lastActive = s.options().Now()
	return s.state(u), nil
}

// Finished is what a finished upload became: a dump, or an executable for
// core dumps.
type Finished struct {
	Entry      *Entry
	Executable *Executable
	// Created is false when identical content was already stored.
	Created bool
}

// FinishUpload ends a complete upload of a dump and stores it, as Put does.
func (s *Store) FinishUpload(id string) (e Entry, created bool, err error) {
	f, err := s.FinishUploadOf(id)
	if err != nil {
		return Entry{}, false, err
	}
	if f.Entry == nil {
		return Entry{}, false, errorf(ErrInvalid, "upload %q was an executable, not a dump", id)
	}
	return *f.Entry, f.Created, nil
}

// FinishUploadOf ends a complete upload and stores what it holds: a dump,
// a core dump (read with its executable first) or an executable. The
// upload is over whatever the outcome, except when bytes are still missing.
func (s *Store) FinishUploadOf(id string) (Finished, error) {
	u, err := s.lockUpload(id)
	if err != nil {
		return Finished{}, err
	}
	defer u.mu.Unlock()
	if u.received != u.size {
		return Finished{}, errorf(ErrInvalid, "the upload is incomplete: %d of %d bytes received", u.received, u.size)
	}
	defer s.endUpload(u)
	err = u.file.Sync()
	if closeErr := u.file.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return Finished{}, errors.Join(err, removeIfExists(u.file.Name()))
	}
	var e Entry
	var created bool
	switch {
	case u.isExecutable:
		x, created, err := s.ingestExecutable(u.file.Name(), u.name, u.uploader, u.size)
		return Finished{Executable: &x, Created: created}, err
	case u.executable != "":
		e, created, err = s.ingestCore(u.file.Name(), u)
	default:
		e, created, err = s.ingest(u.file.Name(), u.name, u.uploader, u.size, nil)
	}
	return Finished{Entry: &e, Created: created}, err
}

// AbortUpload drops an upload in progress and its bytes.
func (s *Store) AbortUpload(id string) error {
	u, err := s.lockUpload(id)
	if err != nil {
		return err
	}
	defer u.mu.Unlock()
	return s.dropUpload(u)
}

// lockUpload finds an upload and locks it for one request.
func (s *Store) lockUpload(id string) (*upload, error) {
	s.expireIdleUploads()
	s.mu.Lock()
	u, ok := s.uploads[id]
	s.mu.Unlock()
	if !ok {
		return nil, errorf(ErrNotFound, "upload %q not found; it may have expired after %v without a chunk", id, s.options().UploadTTL)
	}
	u.mu.Lock()
	if u.done {
		u.mu.Unlock()
		return nil, errorf(ErrNotFound, "upload %q has already ended", id)
	}
	return u, nil
}

// expireIdleUploads drops uploads that have been idle past the TTL. An
// upload busy with a request is not idle.
func (s *Store) expireIdleUploads() {
	deadline := s.options().Now().Add(-s.options().UploadTTL)
	s.mu.Lock()
	candidates := make([]*upload, 0, len(s.uploads))
	for _, u := range s.uploads {
		candidates = append(candidates, u)
	}
	s.mu.Unlock()
	for _, u := range candidates {
		if !u.mu.TryLock() {
			continue
		}
		if !u.done && u.lastActive.Before(deadline) {
			// A failure to remove the file leaves a temporary file that
			// the next open clears; the upload is gone either way.
			_ = s.dropUpload(u)
		}
		u.mu.Unlock()
	}
}

// dropUpload ends an upload and deletes its bytes; the caller holds u.mu.
func (s *Store) dropUpload(u *upload) error {
	if u.done {
		return nil
	}
	s.endUpload(u)
	return errors.Join(u.file.Close(), removeIfExists(u.file.Name()))
}

// endUpload forgets an upload and releases its quota; the caller holds u.mu.
func (s *Store) endUpload(u *upload) {
	u.done = true
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.uploads, u.id)
	s.reserved -= u.size
}

// rewind drops a partly written chunk.
func rewind(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	_, err := f.Seek(size, io.SeekStart)
	return err
}
