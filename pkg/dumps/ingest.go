package dumps

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goscope/pprof/pkg/dumpformat"
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

// spool writes r, at most limit bytes, to a synced temporary file in the
// store's directory and returns its path.
func (s *Store) spool(r io.Reader, limit int64, tooLarge func() error) (string, error) {
	f, err := createTemp(s.dir)
	if err != nil {
		return "", err
	}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if err == nil && n > limit {
		err = tooLarge()
	}
	if err == nil && n == 0 {
		err = errorf(ErrInvalid, "the upload is empty")
	}
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", errors.Join(err, removeIfExists(f.Name()))
	}
	return f.Name(), nil
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

// commitWith moves the dump into place and then writes its metadata, all
// under the store's lock so that identical concurrent uploads store one
// copy and the quota holds. makeRoom, when set, runs first under the lock
// to free space for a new dump.
func (s *Store) commitWith(tempPath string, m sidecar, reservation int64, makeRoom func() error) (Entry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if existing, ok := s.dumps[m.ID]; ok {
		return existing.entry(), false, removeIfExists(tempPath)
	}
	if makeRoom != nil {
		if err := makeRoom(); err != nil {
			return Entry{}, false, errors.Join(err, removeIfExists(tempPath))
		}
	}
	othersReserved := s.reserved - reservation
	if s.used+othersReserved+m.Size > s.options().QuotaBytes {
		return Entry{}, false, errors.Join(s.full(), removeIfExists(tempPath))
	}
	if err := os.Rename(tempPath, s.dumpPath(m.ID)); err != nil {
		return Entry{}, false, errors.Join(err, removeIfExists(tempPath))
	}
	if err := s.writeSidecar(m); err != nil {
		return Entry{}, false, errors.Join(err, removeIfExists(s.dumpPath(m.ID)))
	}
	s.dumps[m.ID] = m
	s.used += m.Size
	return m.entry(), true, nil
}

// full reports a full store; the caller holds s.mu.
func (s *Store) full() error {
	msg := fmt.Sprintf("dump store is full: %s of %s used", dumpformat.FormatSize(s.used), dumpformat.FormatSize(s.options().QuotaBytes))
	if s.reserved > 0 {
		msg += fmt.Sprintf(" (and %s held for uploads in progress)", dumpformat.FormatSize(s.reserved))
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
