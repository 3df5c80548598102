package dumps

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/objstore"
)

// A chunked upload lives in the bucket until it is finished, so that its
// requests may reach any process sharing the bucket (Grafana replicas
// behind a load balancer send the calls of one upload wherever they land):
// uploads/<id>/upload.json says what is being uploaded, and each chunk is
// an object uploads/<id>/<offset>.part, claimed with PutIfAbsent, so two
// processes given the same chunk store it once. Finishing joins the chunks
// into a local file, stores the dump and deletes the upload's objects.

const (
	uploadMetaName = "upload.json"
	partExt        = ".part"
)

func uploadKey(id, name string) string { return uploadsDir + "/" + id + "/" + name }
func partKey(id string, offset int64) string {
	return uploadKey(id, fmt.Sprintf("%020d%s", offset, partExt))
}

// uploadID is the form of the ids BeginUpload makes (rand.Text).
var uploadID = regexp.MustCompile(`^[A-Z2-7]{26}$`)

// Upload is the state of a chunked upload, as reported to the client.
type Upload struct {
	ID        string    `json:"uploadId"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	Received  int64     `json:"received"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// uploadMeta is what uploads/<id>/upload.json holds.
type uploadMeta struct {
	Name     string `json:"name"`
	Uploader string `json:"uploader,omitempty"`
	Size     int64  `json:"size"`
	// Executable marks the upload of an executable for core dumps;
	// CoreOf is set on the upload of a core, to its executable's id.
	Executable bool   `json:"executable,omitempty"`
	CoreOf     string `json:"coreOf,omitempty"`
	// ModifiedAt is the file's modification time as the client knows it.
	ModifiedAt time.Time `json:"modifiedAt,omitzero"`
}

// upload is a chunked upload this process takes part in: what it knows
// of the upload's state in the bucket, and the quota it holds.
type upload struct {
	// mu serialises this process's requests of one upload; the store's
	// lock is never held while waiting for it.
	mu         sync.Mutex
	id         string
	meta       uploadMeta
	received   int64
	lastActive time.Time
	// done is set when the upload is finished, aborted or expired.
	done bool
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
	return Upload{ID: u.id, Name: u.meta.Name, Size: u.meta.Size, Received: u.received, ExpiresAt: u.lastActive.Add(s.options().UploadTTL)}
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
	size := req.Size
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
	_ = s.refresh(false)
	u := &upload{id: rand.Text(), lastActive: s.options().Now(), meta: uploadMeta{
		Name: cleanName(req.Name), Uploader: req.Uploader, Size: size,
		Executable: req.Executable, CoreOf: req.CoreOf, ModifiedAt: req.ModifiedAt,
	}}
	s.mu.Lock()
	if n := len(s.uploads) + s.othersUploads; n >= s.options().MaxUploadsInProgress {
		s.mu.Unlock()
		return Upload{}, errorf(ErrBusy, "%d uploads are in progress; try again when one has finished", n)
	}
	if s.used+s.reserved+s.othersReserved+size > s.options().QuotaBytes {
		err := s.full()
		s.mu.Unlock()
		return Upload{}, err
	}
	s.uploads[u.id] = u
	s.reserved += size
	s.mu.Unlock()
	data, err := json.Marshal(u.meta)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
		err = putBytes(ctx, s.bucket, uploadKey(u.id, uploadMetaName), data)
		cancel()
	}
	if err != nil {
		u.mu.Lock()
		s.endUpload(u)
		u.mu.Unlock()
		return Upload{}, err
	}
	return s.state(u), nil
}

// AppendChunk adds the bytes of r at offset, which must be where the upload
// stands (an *OffsetError says where that is otherwise). A chunk is stored
// whole or not at all, so the client can resend one that failed.
func (s *Store) AppendChunk(id string, offset int64, r io.Reader) (Upload, error) {
	u, err := s.lockUpload(id)
	if err != nil {
		return Upload{}, err
	}
	defer u.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	if offset != u.received && !s.exclusive {
		// Another process may have received the chunks in between.
		if err := s.syncUpload(ctx, u); err != nil {
			return Upload{}, err
		}
	}
	if offset != u.received {
		return Upload{}, &OffsetError{Offset: offset, Received: u.received}
	}
	remaining := u.meta.Size - u.received
	temp, n, err := spoolTo(s.files.tempDir(), r, remaining)
	if err != nil {
		return Upload{}, err
	}
	defer removeIfExists(temp)
	if n > remaining {
		return Upload{}, errorf(ErrTooLarge, "the chunk goes past the declared size of %d bytes", u.meta.Size)
	}
	if n > 0 {
		f, err := openFile(temp)
		if err != nil {
			return Upload{}, err
		}
		err = s.bucket.PutIfAbsent(ctx, partKey(u.id, offset), f, n)
		f.Close()
		if errors.Is(err, objstore.ErrExists) {
			if err := s.syncUpload(ctx, u); err != nil {
				return Upload{}, err
			}
			return Upload{}, &OffsetError{Offset: offset, Received: u.received}
		}
		if err != nil {
			return Upload{}, err
		}
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
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	if !s.exclusive {
		if err := s.syncUpload(ctx, u); err != nil {
			return Finished{}, err
		}
	}
	if u.received != u.meta.Size {
		return Finished{}, errorf(ErrInvalid, "the upload is incomplete: %d of %d bytes received", u.received, u.meta.Size)
	}
	temp, err := s.joinParts(ctx, u)
	// The upload is over: its parts go, and its quota returns, whatever
	// becomes of the dump.
	defer func() {
		_ = s.dropUpload(u)
	}()
	if err != nil {
		return Finished{}, err
	}
	var e Entry
	var created bool
	switch {
	case u.meta.Executable:
		x, created, err := s.ingestExecutable(temp, u.meta.Name, u.meta.Uploader, u.meta.Size)
		return Finished{Executable: &x, Created: created}, err
	case u.meta.CoreOf != "":
		e, created, err = s.ingestCore(temp, u)
	default:
		e, created, err = s.ingest(temp, u.meta.Name, u.meta.Uploader, u.meta.Size, nil)
	}
	return Finished{Entry: &e, Created: created}, err
}

// joinParts copies an upload's chunks, in order, into a local temporary
// file and returns its path.
func (s *Store) joinParts(ctx context.Context, u *upload) (string, error) {
	f, err := createTemp(s.files.tempDir())
	if err != nil {
		return "", err
	}
	var written int64
	for written < u.meta.Size && err == nil {
		var rc io.ReadCloser
		var obj objstore.Object
		rc, obj, err = s.bucket.Get(ctx, partKey(u.id, written))
		if err != nil {
			break
		}
		var n int64
		n, err = io.Copy(f, io.LimitReader(rc, u.meta.Size-written))
		rc.Close()
		if err == nil && (n == 0 || n != obj.Size) {
			err = errorf(ErrConflict, "chunk at byte %d of upload %q changed while it was read", written, u.id)
		}
		written += n
	}
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if errors.Is(err, objstore.ErrNotExist) {
		err = errorf(ErrNotFound, "upload %q lost its chunk at byte %d; it may have expired", u.id, written)
	}
	if err != nil {
		return "", errors.Join(err, removeIfExists(f.Name()))
	}
	return f.Name(), nil
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

// lockUpload finds an upload and locks it for one request. An upload
// another process began is taken up from its objects in the bucket.
func (s *Store) lockUpload(id string) (*upload, error) {
	s.expireIdleUploads()
	s.mu.Lock()
	u, ok := s.uploads[id]
	s.mu.Unlock()
	if !ok {
		var err error
		if u, err = s.adoptUpload(id); err != nil {
			return nil, err
		}
	}
	u.mu.Lock()
	if u.done {
		u.mu.Unlock()
		return nil, errorf(ErrNotFound, "upload %q has already ended", id)
	}
	return u, nil
}

func (s *Store) uploadNotFound(id string) error {
	return errorf(ErrNotFound, "upload %q not found; it may have expired after %v without a chunk", id, s.options().UploadTTL)
}

// adoptUpload takes up an upload another process sharing the bucket began.
func (s *Store) adoptUpload(id string) (*upload, error) {
	if s.exclusive || !uploadID.MatchString(id) {
		return nil, s.uploadNotFound(id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	data, err := objstore.ReadAll(ctx, s.bucket, uploadKey(id, uploadMetaName), maxSidecarBytes)
	if errors.Is(err, objstore.ErrNotExist) {
		return nil, s.uploadNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	u := &upload{id: id}
	if err := json.Unmarshal(data, &u.meta); err != nil || u.meta.Size <= 0 {
		return nil, errorf(ErrInvalid, "upload %q is unreadable", id)
	}
	if err := s.syncUpload(ctx, u); err != nil {
		return nil, err
	}
	if s.options().Now().Sub(u.lastActive) > s.options().UploadTTL {
		return nil, s.uploadNotFound(id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if existing, ok := s.uploads[id]; ok {
		return existing, nil
	}
	s.uploads[id] = u
	s.reserved += u.meta.Size
	return u, nil
}

// syncUpload reads where an upload stands from its chunks in the bucket:
// the bytes received are those of the chunks that follow each other from
// byte 0.
func (s *Store) syncUpload(ctx context.Context, u *upload) error {
	objs, err := s.bucket.List(ctx, uploadKey(u.id, ""))
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return s.uploadNotFound(u.id)
	}
	sizes := map[int64]int64{}
	for _, o := range objs {
		if o.Modified.After(u.lastActive) {
			u.lastActive = o.Modified
		}
		name := strings.TrimPrefix(o.Key, uploadKey(u.id, ""))
		if offset, err := strconv.ParseInt(strings.TrimSuffix(name, partExt), 10, 64); err == nil && strings.HasSuffix(name, partExt) {
			sizes[offset] = o.Size
		}
	}
	var received int64
	for sizes[received] > 0 && received < u.meta.Size {
		received += sizes[received]
	}
	u.received = min(received, u.meta.Size)
	return nil
}

// expireIdleUploads drops this process's uploads that have been idle past
// the TTL (another process's chunks count as activity on a shared
// bucket). An upload busy with a request is not idle.
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
		if !u.done && u.lastActive.Before(deadline) && !s.exclusive {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if s.syncUpload(ctx, u) != nil {
				s.endUpload(u)
			}
			cancel()
		}
		if !u.done && u.lastActive.Before(deadline) {
			// A failure to remove the chunks leaves objects that the next
			// open (or listing of a shared bucket) removes.
			_ = s.dropUpload(u)
		}
		u.mu.Unlock()
	}
}

// dropUpload ends an upload and deletes its objects; the caller holds u.mu.
func (s *Store) dropUpload(u *upload) error {
	if u.done {
		return nil
	}
	s.endUpload(u)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objs, err := s.bucket.List(ctx, uploadKey(u.id, ""))
	errs := []error{err}
	for _, o := range objs {
		errs = append(errs, s.bucket.Delete(ctx, o.Key))
	}
	return errors.Join(errs...)
}

// endUpload forgets an upload and releases its quota; the caller holds u.mu.
func (s *Store) endUpload(u *upload) {
	if u.done {
		return
	}
	u.done = true
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.uploads, u.id)
	s.reserved -= u.meta.Size
}
