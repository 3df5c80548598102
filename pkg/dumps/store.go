package dumps

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/objstore"
)

// Defaults for StoreOptions fields left at zero.
const (
	DefaultMaxUploadBytes       int64 = 64 << 20
	DefaultQuotaBytes           int64 = 1 << 30
	DefaultUploadTTL                  = 15 * time.Minute
	DefaultMaxUploadsInProgress       = 16
	DefaultRefreshAfter               = 5 * time.Second
	DefaultCacheBytes           int64 = 2 << 30
)

// concurrentIngests bounds the uploads being detected and validated at
// once: each maps its file (page cache, up to MaxUploadBytes) and holds its
// decompression (up to Limits.MaxDecompressedBytes) and its validation's parse.
const concurrentIngests = 2

// bucketTimeout bounds one request to the bucket, a whole dump's transfer
// included.
const bucketTimeout = 10 * time.Minute

// StoreOptions configures a Store. Dir is required.
type StoreOptions struct {
	// Bucket, when set, holds the dumps: an S3-compatible bucket that
	// several processes may share. Dir is then this process's local
	// directory for uploads being received and for the cache of dumps
	// downloaded to be read. When nil, Dir itself holds the dumps.
	Bucket objstore.Bucket
	// Dir holds the dumps when Bucket is nil; it is created if missing.
	// One Store per directory: opening a store clears the temporary files
	// of uploads that were in progress, including another live Store's.
	// To change the options of an open store, Reconfigure it.
	Dir string
	// MaxUploadBytes bounds the size of one dump as uploaded.
	MaxUploadBytes int64
	// Limits bound what a dump may expand to (gzip, and what a profile
	// decodes to), on upload and on every read; zero fields take the
	// defaults.
	Limits dumpformat.Limits
	// QuotaBytes bounds the total size of stored dumps, counting uploads in
	// progress at their declared size.
	QuotaBytes int64
	// UploadTTL is how long a chunked upload may stay idle before it is
	// dropped.
	UploadTTL time.Duration
	// MaxUploadsInProgress bounds concurrent chunked uploads.
	MaxUploadsInProgress int
	// RefreshAfter is how long the listing of a shared bucket is trusted
	// before it is listed again, which is how long another process's
	// upload or deletion may take to show here.
	RefreshAfter time.Duration
	// CacheBytes bounds the local copies of a shared bucket's dumps; the
	// least recently read go first.
	CacheBytes int64
	// Validate, when set, is given every new dump's id, format and content
	// (decompressed) before it is stored; an error rejects the upload with
	// the error's message. It is where the caller runs the real parsers,
	// which also say which snapshots the dump holds. Uploads run
	// concurrently, and so may Validate. The content is only valid during
	// the call (see Content.Read).
	Validate Validator
	// Cores reads uploaded core dumps with their executables; without it
	// cores are refused.
	Cores CoreReader
	// MaxCoreBytes bounds an uploaded core or executable (default
	// DefaultMaxCoreBytes); MaxUploadBytes bounds other dumps.
	MaxCoreBytes int64
	// Location is the time zone of file name timestamps that carry none
	// (holmes writes local time); UTC when nil.
	Location *time.Location
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

func (o *StoreOptions) setDefaults() {
	if o.MaxUploadBytes <= 0 {
		o.MaxUploadBytes = DefaultMaxUploadBytes
	}
	o.Limits = o.Limits.WithDefaults()
	if o.QuotaBytes <= 0 {
		o.QuotaBytes = DefaultQuotaBytes
	}
	if o.MaxCoreBytes <= 0 {
		o.MaxCoreBytes = DefaultMaxCoreBytes
	}
	if o.UploadTTL <= 0 {
		o.UploadTTL = DefaultUploadTTL
	}
	if o.MaxUploadsInProgress <= 0 {
		o.MaxUploadsInProgress = DefaultMaxUploadsInProgress
	}
	if o.RefreshAfter <= 0 {
		o.RefreshAfter = DefaultRefreshAfter
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Store keeps uploaded dumps in a bucket (a local directory or a shared
// S3-compatible bucket), content-addressed: <sha256>.dump holds the bytes
// as uploaded and <sha256>.json their metadata. The metadata object is
// written last and is the commit record: a dump without one is not listed,
// and is removed once it is clearly abandoned (see cleanUp).
//
// A store on a local directory is that directory's only user: its index is
// loaded when it opens and kept by its own writes. A store on a shared
// bucket lists the bucket again when its index is older than RefreshAfter
// (and when asked for a dump it does not know), so what other processes
// store and delete shows up here.
type Store struct {
	bucket objstore.Bucket
	files  localFiles
	// exclusive is set for a local directory, which one process owns.
	exclusive bool
	dir       string
	opts      atomic.Pointer[StoreOptions]

	ingestSlots chan struct{}
	// refreshing serialises listings of the bucket.
	refreshing sync.Mutex

	mu          sync.Mutex
	dumps       map[string]sidecar
	executables map[string]Executable
	// seen are the metadata objects as last read, to fetch only those
	// that changed.
	seen map[string]objstore.Object
	used int64
	// reserved is held for this process's uploads in progress and
	// commits; othersReserved is what other processes' uploads in
	// progress have sent so far.
	reserved       int64
	othersReserved int64
	othersUploads  int
	uploads        map[string]*upload
	refreshedAt    time.Time
	refreshErr     error
	// changes counts this process's writes; changed says which key each
	// touched last, so a listing taken before a write does not undo it.
	changes uint64
	changed map[string]uint64
	// unreadable are dumps whose metadata could not be read at the last
	// listing.
	unreadable map[string]objstore.Object
}

// OpenStore opens (or creates) the store, removing what a crash may have
// left half-written.
func OpenStore(opts StoreOptions) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("dump store: no directory configured")
	}
	opts.setDefaults()
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	s := &Store{
		dir:         dir,
		ingestSlots: make(chan struct{}, concurrentIngests),
		dumps:       map[string]sidecar{},
		uploads:     map[string]*upload{},
		executables: map[string]Executable{},
		seen:        map[string]objstore.Object{},
		changed:     map[string]uint64{},
		unreadable:  map[string]objstore.Object{},
	}
	s.opts.Store(&opts)
	if opts.Bucket == nil {
		d, err := objstore.OpenDir(dir)
		if err != nil {
			return nil, fmt.Errorf("dump store: %w", err)
		}
		s.bucket, s.files, s.exclusive = d, dirFiles{d}, true
	} else {
		c, err := openCache(filepath.Join(dir, "cache"), filepath.Join(dir, "spool"), opts.CacheBytes)
		if err != nil {
			return nil, fmt.Errorf("dump store cache: %w", err)
		}
		s.bucket, s.files = opts.Bucket, &cachedFiles{bucket: opts.Bucket, cache: c}
	}
	if err := s.refresh(true); err != nil {
		if s.exclusive {
			return nil, fmt.Errorf("dump store %s: %w", s.bucket, err)
		}
		// A bucket out of reach now may be back soon: the store opens
		// empty, lists it again at the next use, and Check says why.
		return s, nil
	}
	if err := s.recover(); err != nil {
		return nil, fmt.Errorf("dump store %s: %w", s.bucket, err)
	}
	return s, nil
}

func (s *Store) options() *StoreOptions { return s.opts.Load() }

// Reconfigure changes the options of an open store in place: uploads in
// progress go on, and the new limits apply to what comes next (a lower
// quota does not delete anything; it refuses uploads until there is room).
// opts.Dir and opts.Bucket must name the store's own.
func (s *Store) Reconfigure(opts StoreOptions) error {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	if dir != s.dir {
		return fmt.Errorf("dump store: %s is not this store's directory %s", dir, s.dir)
	}
	if (opts.Bucket == nil) != s.exclusive || (opts.Bucket != nil && opts.Bucket.String() != s.bucket.String()) {
		return fmt.Errorf("dump store: another bucket than this store's %s", s.bucket)
	}
	opts.setDefaults()
	if !s.exclusive {
		opts.Bucket = s.bucket
	}
	s.opts.Store(&opts)
	return nil
}

// Dir is the store's local directory, as an absolute path.
func (s *Store) Dir() string { return s.dir }

// Bucket names where the dumps are kept, for messages.
func (s *Store) Bucket() string { return s.bucket.String() }

// Shared reports a store on a bucket other processes may use too.
func (s *Store) Shared() bool { return !s.exclusive }

// Check lists the bucket now and says whether it could.
func (s *Store) Check() error { return s.refresh(true) }

// Close ends this process's part in the uploads in progress. On a local
// directory they are dropped; on a shared bucket another process may
// finish them, or they expire. Stored dumps are unaffected.
func (s *Store) Close() error {
	s.mu.Lock()
	pending := make([]*upload, 0, len(s.uploads))
	for _, u := range s.uploads {
		pending = append(pending, u)
	}
	s.mu.Unlock()
	var errs []error
	for _, u := range pending {
		u.mu.Lock()
		if s.exclusive {
			errs = append(errs, s.dropUpload(u))
		} else {
			s.endUpload(u)
		}
		u.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Usage is how full the store is.
type Usage struct {
	Dumps int `json:"dumps"`
	// UsedBytes is the size of the stored dumps.
	UsedBytes int64 `json:"usedBytes"`
	// ReservedBytes is held for chunked uploads in progress.
	ReservedBytes int64 `json:"reservedBytes"`
	QuotaBytes    int64 `json:"quotaBytes"`
	// MaxUploadBytes lets a client refuse a file before sending it.
	MaxUploadBytes int64 `json:"maxUploadBytes"`
}

// Usage reports the store's size against its quota.
func (s *Store) Usage() Usage {
	_ = s.refresh(false)
	s.mu.Lock()
	defer s.mu.Unlock()
	return Usage{
		Dumps:          len(s.dumps),
		UsedBytes:      s.used,
		ReservedBytes:  s.reserved + s.othersReserved,
		QuotaBytes:     s.options().QuotaBytes,
		MaxUploadBytes: s.options().MaxUploadBytes,
	}
}

// List returns every stored dump, most recently captured first. A shared
// bucket that cannot be listed leaves the last listing in place (Check
// says why).
func (s *Store) List() []Entry {
	_ = s.refresh(false)
	s.mu.Lock()
	entries := make([]Entry, 0, len(s.dumps))
	for _, m := range s.dumps {
		entries = append(entries, m.entry())
	}
	s.mu.Unlock()
	sortNewestFirst(entries)
	return entries
}

// Entry returns the metadata of one stored dump.
func (s *Store) Entry(id string) (Entry, error) {
	m, err := s.lookup(id)
	if err != nil {
		return Entry{}, err
	}
	return m.entry(), nil
}

// lookup finds a dump's metadata. A dump a shared bucket's listing does
// not have yet, which another process may have just stored, is read from
// the bucket: one request, as cheap as the one asking.
func (s *Store) lookup(id string) (sidecar, error) {
	_ = s.refresh(false)
	s.mu.Lock()
	m, ok := s.dumps[id]
	s.mu.Unlock()
	if ok {
		return m, nil
	}
	if s.exclusive || !isContentID(id) {
		return sidecar{}, notFound(id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := s.readMeta(ctx, sidecarKey(id))
	if f.err != nil {
		return sidecar{}, notFound(id)
	}
	obj, err := s.bucket.Stat(ctx, dumpKey(id))
	if err != nil {
		return sidecar{}, notFound(id)
	}
	f.Size = obj.Size
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.dumps[id]; ok {
		return m, nil
	}
	s.dumps[id] = f.sidecar
	s.used += f.Size
	return f.sidecar, nil
}

// Get returns a stored dump's metadata and content, opened for reading
// (decompressed within the store's limit when read); the caller closes the
// content. Stored objects are never changed, so the content stays what the
// id says even if the dump is deleted meanwhile.
func (s *Store) Get(id string) (Entry, *Content, error) {
	m, err := s.lookup(id)
	if err != nil {
		return Entry{}, nil, err
	}
	path, err := s.localDump(m)
	if err != nil {
		return Entry{}, nil, err
	}
	c, err := s.open(path)
	if errors.Is(err, objstore.ErrNotExist) {
		return Entry{}, nil, s.vanished(id)
	}
	if err != nil {
		return Entry{}, nil, err
	}
	return m.entry(), c, nil
}

// localDump returns a local file holding a stored dump whole.
func (s *Store) localDump(m sidecar) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	path, err := s.files.path(ctx, dumpKey(m.ID), m.Size, m.ID)
	if errors.Is(err, objstore.ErrNotExist) {
		return "", s.vanished(m.ID)
	}
	return path, err
}

// vanished forgets a dump another process deleted since it was listed.
func (s *Store) vanished(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.dumps[id]; ok {
		delete(s.dumps, id)
		s.used -= m.Size
	}
	return notFound(id)
}

// open opens a local dump file; what the store holds was checked against
// the limits when it was uploaded.
func (s *Store) open(path string) (*Content, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, _, err := openContent(f, math.MaxInt64, s.options().Limits)
	return c, err
}

// SetCapturedAt corrects a dump's capture time; the zero time restores the
// one found automatically. Processes sharing a bucket that correct the
// same dump at once: the last write wins.
func (s *Store) SetCapturedAt(id string, t time.Time) (Entry, error) {
	if _, err := s.lookup(id); err != nil {
		return Entry{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.dumps[id]
	if !ok {
		return Entry{}, notFound(id)
	}
	if !s.exclusive {
		// Correcting a dump another process deleted would leave metadata
		// without a dump.
		if _, err := s.bucket.Stat(context.Background(), dumpKey(id)); errors.Is(err, objstore.ErrNotExist) {
			delete(s.dumps, id)
			s.used -= m.Size
			return Entry{}, notFound(id)
		}
	}
	if t.IsZero() {
		m.CapturedAt, m.CapturedFrom = m.DetectedAt, m.DetectedFrom
	} else {
		m.CapturedAt, m.CapturedFrom = t.UTC(), CapturedFromUser
	}
	if err := s.writeSidecar(m); err != nil {
		return Entry{}, err
	}
	s.dumps[id] = m
	s.noteChange(sidecarKey(id))
	return m.entry(), nil
}

// Delete removes a stored dump. The metadata goes first, so a crash halfway
// leaves an unreferenced object that is removed later.
func (s *Store) Delete(id string) error {
	if _, err := s.lookup(id); err != nil {
		return err
	}
	if !s.exclusive {
		// Whether its executable is still needed depends on every
		// process's cores.
		_ = s.refresh(true)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteLocked(id)
}

// deleteLocked is Delete for a caller holding s.mu.
func (s *Store) deleteLocked(id string) error {
	m, ok := s.dumps[id]
	if !ok {
		return notFound(id)
	}
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	if err := s.bucket.Delete(ctx, sidecarKey(id)); err != nil {
		return err
	}
	delete(s.dumps, id)
	s.used -= m.Size
	s.noteChange(sidecarKey(id))
	if m.Core != nil {
		if err := s.releaseExecutable(ctx, m.Core.ExecutableID); err != nil {
			return err
		}
	}
	s.files.forget(dumpKey(id))
	return s.bucket.Delete(ctx, dumpKey(id))
}

func (s *Store) writeSidecar(m sidecar) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	return putBytes(ctx, s.bucket, sidecarKey(m.ID), data)
}

// noteChange records a write of this process; the caller holds s.mu.
func (s *Store) noteChange(key string) {
	s.changes++
	s.changed[key] = s.changes
}

func notFound(id string) error {
	return errorf(ErrNotFound, "dump %q not found", id)
}

func sortNewestFirst(entries []Entry) {
	slices.SortStableFunc(entries, func(a, b Entry) int {
		if c := b.CapturedAt.Compare(a.CapturedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}
