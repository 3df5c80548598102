package dumps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/objstore"
)

// Put stores a dump read from r in one go; it suits small files (Grafana's
// plugin calls carry bodies of a few MiB at most; larger files go through
// BeginUpload). created is false when identical content was already stored,
// in which case the existing entry is returned unchanged.
func (s *Store) Put(name, uploader string, r io.Reader) (e Entry, created bool, err error) {
	path, err := s.spool(r, s.options().MaxUploadBytes, s.tooLarge)
	if err != nil {
		return Entry{}, false, err
	}
	return s.ingest(path, name, uploader, 0, nil)
}

// spool writes r, at most limit bytes, to a temporary file where the
// store receives uploads and returns its path.
func (s *Store) spool(r io.Reader, limit int64, tooLarge func() error) (string, error) {
	path, n, err := spoolTo(s.files.tempDir(), r, limit)
	if err != nil {
		return "", err
	}
	switch {
	case n > limit:
		err = tooLarge()
	case n == 0:
		err = errorf(ErrInvalid, "the upload is empty")
	}
	if err != nil {
		return "", errors.Join(err, removeIfExists(path))
	}
	return path, nil
}

func (s *Store) tooLarge() error {
	return errorf(ErrTooLarge, "the dump is larger than the %s upload limit", dumpformat.FormatSize(s.options().MaxUploadBytes))
}

// ingest turns a complete, synced temporary file into a stored dump: it
// detects and validates the content, then commits it. The temporary file is
// gone when ingest returns. reservation is the quota held for this upload.
// adjust, when set, rewrites the metadata of a dump the backend captured
// and returns what frees room for it.
func (s *Store) ingest(tempPath, name, uploader string, reservation int64, adjust func(*sidecar) (makeRoom func() error)) (Entry, bool, error) {
	s.ingestSlots <- struct{}{}
	m, err := s.describeUpload(tempPath, name, uploader)
	<-s.ingestSlots
	if err != nil {
		return Entry{}, false, errors.Join(err, removeIfExists(tempPath))
	}
	var makeRoom func() error
	if adjust != nil {
		makeRoom = adjust(&m)
	}
	return s.commitWith(tempPath, m, reservation, makeRoom)
}

// describeUpload hashes, detects and validates an upload. The file is
// mapped, not read into the heap, so a large upload costs page cache
// (which the kernel can reclaim) plus what its validation parses.
func (s *Store) describeUpload(tempPath, name, uploader string) (sidecar, error) {
	opts := s.options()
	c, err := s.open(tempPath)
	if err != nil {
		return sidecar{}, err
	}
	defer c.Close()
	if c.Size() == 0 {
		return sidecar{}, errorf(ErrInvalid, "the upload is empty")
	}
	var sum [sha256.Size]byte
	if err := c.guard(func() error { sum = sha256.Sum256(c.raw); return nil }); err != nil {
		return sidecar{}, err
	}
	id := hex.EncodeToString(sum[:])
	name = cleanName(name)
	d, err := c.inspect(name)
	if err != nil {
		return sidecar{}, err
	}
	if !d.Format.Known() {
		return sidecar{}, errorf(ErrInvalid, "unrecognised file: %s", d.Reason)
	}
	if d.Format == dumpformat.CoreDump {
		return sidecar{}, errCoreWithoutExecutable
	}
	var snaps Snapshots
	if opts.Validate != nil {
		err := c.Read(func(plain []byte) error {
			var err error
			snaps, err = opts.Validate(id, d.Format, plain)
			return err
		})
		if err != nil {
			return sidecar{}, errorf(ErrInvalid, "invalid %s: %v", d.Format.Description(), err)
		}
	}
	now := opts.Now().UTC()
	m := sidecar{
		Version:    sidecarFormat,
		ID:         id,
		Source:     SourceUpload,
		Name:       name,
		Size:       c.Size(),
		Format:     d.Format,
		Detail:     d.Detail,
		Compressed: d.Compressed,
		Uploader:   uploader,
		UploadedAt: now,
	}
	m.DetectedAt, m.DetectedFrom = captureTime(d, name, opts.Location)
	if m.DetectedAt.IsZero() {
		m.DetectedAt, m.DetectedFrom = now, CapturedFromUpload
	}
	m.describeSnapshots(snaps)
	return m, nil
}

// commitWith stores the dump and then its metadata, the commit record
// (see commitObject). makeRoom, when set, runs first under the lock to
// free space for a new dump.
func (s *Store) commitWith(tempPath string, m sidecar, reservation int64, makeRoom func() error) (Entry, bool, error) {
	created, err := s.commitObject(commit{
		temp: tempPath, key: dumpKey(m.ID), metaKey: sidecarKey(m.ID), size: m.Size, meta: m,
		reservation: reservation, makeRoom: makeRoom,
		stored: func() bool { _, ok := s.dumps[m.ID]; return ok },
	})
	if err != nil {
		return Entry{}, false, err
	}
	if !created {
		return s.committedElsewhere(m.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, listed := s.dumps[m.ID]; !listed {
		s.used += m.Size
	}
	s.dumps[m.ID] = m
	s.noteChange(sidecarKey(m.ID))
	return m.entry(), true, nil
}

// commit is an object to store with its metadata.
type commit struct {
	// temp is the local file of the object, gone once committed.
	temp         string
	key, metaKey string
	size         int64
	meta         any
	// reservation is the quota already held for it (an upload's).
	reservation int64
	// stored reports, under s.mu, whether the index holds it already.
	stored   func() bool
	makeRoom func() error
}

// commitObject stores an object and then its metadata, the commit record.
// The metadata is claimed with PutIfAbsent, so of identical uploads, here
// or in another process sharing the bucket, one is created and the others
// (created false) read what it stored. The quota is checked against a
// fresh listing of a shared bucket; processes committing at the same
// moment may together pass it by an object each.
func (s *Store) commitObject(c commit) (created bool, err error) {
	if !s.exclusive {
		if err := s.refresh(true); err != nil {
			return false, errors.Join(err, removeIfExists(c.temp))
		}
	}
	s.mu.Lock()
	if c.stored() {
		s.mu.Unlock()
		return false, removeIfExists(c.temp)
	}
	if c.makeRoom != nil {
		if err := c.makeRoom(); err != nil {
			s.mu.Unlock()
			return false, errors.Join(err, removeIfExists(c.temp))
		}
	}
	if s.used+s.reserved+s.othersReserved-c.reservation+c.size > s.options().QuotaBytes {
		err := s.full()
		s.mu.Unlock()
		return false, errors.Join(err, removeIfExists(c.temp))
	}
	// Held while the object travels to the bucket, outside the lock.
	s.reserved += c.size
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.reserved -= c.size
		s.mu.Unlock()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	if err := s.files.place(ctx, c.temp, c.key, c.size); err != nil {
		return false, err
	}
	data, err := json.MarshalIndent(c.meta, "", "  ")
	if err == nil {
		err = s.bucket.PutIfAbsent(ctx, c.metaKey, bytes.NewReader(data), int64(len(data)))
	}
	if errors.Is(err, objstore.ErrExists) {
		return false, nil
	}
	if err != nil && s.exclusive {
		err = errors.Join(err, s.bucket.Delete(ctx, c.key))
	}
	return err == nil, err
}

// committedElsewhere returns the entry of a dump whose identical upload
// committed first.
func (s *Store) committedElsewhere(id string) (Entry, bool, error) {
	s.mu.Lock()
	existing, ok := s.dumps[id]
	s.mu.Unlock()
	if ok {
		return existing.entry(), false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := s.readMeta(ctx, sidecarKey(id))
	if f.err != nil {
		return Entry{}, false, f.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dumps[id]; !ok {
		s.dumps[id] = f.sidecar
		s.used += f.Size
		s.noteChange(sidecarKey(id))
	}
	return f.entry(), false, nil
}

// full reports a full store; the caller holds s.mu.
func (s *Store) full() error {
	msg := fmt.Sprintf("dump store is full: %s of %s used", dumpformat.FormatSize(s.used), dumpformat.FormatSize(s.options().QuotaBytes))
	if held := s.reserved + s.othersReserved; held > 0 {
		msg += fmt.Sprintf(" (and %s held for uploads in progress)", dumpformat.FormatSize(held))
	}
	return errorf(ErrFull, "%s; delete dumps or raise the quota", msg)
}

// cleanName keeps the base name of what the browser sent, without control
// characters, so that it is safe to show and to log.
func cleanName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" {
		return "dump"
	}
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}
