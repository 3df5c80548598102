package dumps

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// Defaults for StoreOptions fields left at zero.
const (
	DefaultMaxUploadBytes       int64 = 64 << 20
	DefaultQuotaBytes           int64 = 1 << 30
	DefaultUploadTTL                  = 15 * time.Minute
	DefaultMaxUploadsInProgress       = 16
)

// concurrentIngests bounds the uploads being detected and validated at
// once: each maps its file (page cache, up to MaxUploadBytes) and holds its
// decompression (up to Limits.MaxDecompressedBytes) and its validation's parse.
const concurrentIngests = 2

// StoreOptions configures a Store. Only Dir is required.
type StoreOptions struct {
	// Dir holds the dumps; it is created if missing. One Store per
	// directory: opening a store clears the temporary files of uploads that
	// were in progress, including another live Store's. To change the
	// options of an open store, Reconfigure it.
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
	// MaxUploadsInProgress bounds concurrent chunked uploads (each holds an
	// open file).
	MaxUploadsInProgress int
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
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Store keeps uploaded dumps on disk, content-addressed: <sha256>.dump holds
// the bytes as uploaded and <sha256>.json their metadata. The metadata file
// is written last and is the commit record: a dump without one was never
// acknowledged and is removed when the store is opened.
type Store struct {
	dir  string
	opts atomic.Pointer[StoreOptions]

	ingestSlots chan struct{}

	mu          sync.Mutex
	dumps       map[string]sidecar
	used        int64
	reserved    int64
	executables map[string]Executable
	uploads     map[string]*upload
}

// OpenStore opens (or creates) the store in opts.Dir, removing what a crash
// may have left half-written.
func OpenStore(opts StoreOptions) (*Store, error) {
	if opts.Dir == "" {
		return nil, errors.New("dump store: no directory configured")
	}
	opts.setDefaults()
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("dump store: %w", err)
	}
	s := &Store{
		dir:         dir,
		ingestSlots: make(chan struct{}, concurrentIngests),
		dumps:       map[string]sidecar{},
		uploads:     map[string]*upload{},
		executables: map[string]Executable{},
	}
	s.opts.Store(&opts)
	if err := s.recover(); err != nil {
		return nil, fmt.Errorf("dump store: %w", err)
	}
	return s, nil
}

func (s *Store) options() *StoreOptions { return s.opts.Load() }

// Reconfigure changes the options of an open store in place: uploads in
// progress go on, and the new limits apply to what comes next (a lower
// quota does not delete anything; it refuses uploads until there is room).
// opts.Dir must name the store's directory.
func (s *Store) Reconfigure(opts StoreOptions) error {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return err
	}
	if dir != s.dir {
		return fmt.Errorf("dump store: %s is not this store's directory %s", dir, s.dir)
	}
	opts.setDefaults()
	s.opts.Store(&opts)
	return nil
}

// Dir is the store's directory, as an absolute path.
func (s *Store) Dir() string { return s.dir }

// Close drops the uploads in progress. Stored dumps are unaffected.
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
		errs = append(errs, s.dropUpload(u))
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
	s.mu.Lock()
	defer s.mu.Unlock()
	return Usage{
		Dumps:          len(s.dumps),
		UsedBytes:      s.used,
		ReservedBytes:  s.reserved,
		QuotaBytes:     s.options().QuotaBytes,
		MaxUploadBytes: s.options().MaxUploadBytes,
	}
}

// List returns every stored dump, most recently captured first.
func (s *Store) List() []Entry {
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
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.dumps[id]
	if !ok {
		return Entry{}, notFound(id)
	}
	return m.entry(), nil
}

// Get returns a stored dump's metadata and content, opened for reading
// (decompressed within the store's limit when read); the caller closes the
// content. Stored files are never changed in place, so the content stays
// what the id says even if the dump is deleted meanwhile.
func (s *Store) Get(id string) (Entry, *Content, error) {
	e, err := s.Entry(id)
	if err != nil {
		return Entry{}, nil, err
	}
	c, err := s.open(s.dumpPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return Entry{}, nil, notFound(id)
	}
	if err != nil {
		return Entry{}, nil, err
	}
	return e, c, nil
}

// open opens a dump file of the store; what the store holds was checked
// against the limits when it was uploaded.
func (s *Store) open(path string) (*Content, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, _, err := openContent(f, math.MaxInt64, s.options().Limits)
	return c, err
}

// SetCapturedAt corrects a dump's capture time; the zero time restores the
// one found automatically.
func (s *Store) SetCapturedAt(id string, t time.Time) (Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.dumps[id]
	if !ok {
		return Entry{}, notFound(id)
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
	return m.entry(), nil
}

// Delete removes a stored dump. The metadata goes first, so a crash halfway
// leaves an unreferenced file that the next open removes.
func (s *Store) Delete(id string) error {
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
	if err := os.Remove(s.sidecarPath(id)); err != nil {
		return err
	}
	delete(s.dumps, id)
	s.used -= m.Size
	if m.Core != nil {
		if err := s.releaseExecutable(m.Core.ExecutableID); err != nil {
			return err
		}
	}
	return errors.Join(removeIfExists(s.dumpPath(id)), syncDir(s.dir))
}

func (s *Store) dumpPath(id string) string    { return filepath.Join(s.dir, id+dumpExt) }
func (s *Store) sidecarPath(id string) string { return filepath.Join(s.dir, id+sidecarExt) }

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
