package dumps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/objstore"
)

// A core dump is read together with the executable that produced it, so the
// store keeps executables too: content-addressed like dumps, under
// executables/ in the store's directory, uploaded before their cores and
// shared by every core of the same build. A core's metadata names its
// executable (CoreInfo.ExecutableID); an executable goes when the last core
// that needs it is deleted (or, never used by a core, when the store is next
// opened). Executables count against the quota.

// DefaultMaxCoreBytes bounds uploaded cores and executables, and the cores
// read from directories, unless configured: cores are large (the process's
// whole memory), but read through their segments, never whole.
const DefaultMaxCoreBytes int64 = 4 << 30

// CoreInfo is what a core dump's listing says of the process.
type CoreInfo struct {
	// ExecutableID is the stored executable of an uploaded core.
	ExecutableID string `json:"executableId,omitempty"`
	// Executable is the executable's name (an upload's file name, or a
	// directory file's path relative to its directory).
	Executable string `json:"executable"`
	GoVersion  string `json:"goVersion,omitempty"`
	Arch       string `json:"arch,omitempty"`
	// Signal is the signal the kernel dumped core on, empty for a core of
	// a live process (gcore).
	Signal string `json:"signal,omitempty"`
	// Goroutine is the goroutine on the thread that received Signal.
	Goroutine  int64 `json:"goroutine,omitempty"`
	Goroutines int   `json:"goroutines"`
	Threads    int   `json:"threads"`
}

// summary is the one-line Detail of a core's entry.
func (c CoreInfo) summary() string {
	s := fmt.Sprintf("%d goroutines, %s %s/%s", c.Goroutines, c.Executable, c.GoVersion, c.Arch)
	if c.Signal != "" {
		s = c.Signal + fmt.Sprintf(" in goroutine %d; ", c.Goroutine) + s
	}
	return s
}

// CoreReader reads cores for the store and the directories; package cores
// does the reading, wired in by the plugin.
type CoreReader struct {
	// Program returns the path of the executable a core's process ran, as
	// the core records it.
	Program func(corePath string) (string, error)
	// Validate reads a core with its executable and describes it; its error
	// says why they cannot be read together (another build, a stripped
	// executable, a truncated core).
	Validate func(corePath, exePath string) (CoreInfo, error)
}

// CoreFiles are the paths of a core dump and of its executable.
type CoreFiles struct {
	Core, Executable string
}

// Executable is a stored executable, as listed to the client that uploaded
// it.
type Executable struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Size       int64     `json:"size"`
	Uploader   string    `json:"uploader,omitempty"`
	UploadedAt time.Time `json:"uploadedAt"`
}

// errCoreWithoutExecutable refuses a core uploaded on its own.
var errCoreWithoutExecutable = errorf(ErrInvalid, "a core dump is read with the executable that produced it: upload the executable and the core together")

// ingestExecutable stores an uploaded executable, once per content: the
// executable, then its metadata as the commit record.
func (s *Store) ingestExecutable(tempPath, name, uploader string, reservation int64) (Executable, bool, error) {
	x, err := describeExecutable(tempPath, name, uploader, s.options().Now().UTC())
	if err != nil {
		return Executable{}, false, errors.Join(err, removeIfExists(tempPath))
	}
	created, err := s.commitObject(commit{
		temp: tempPath, key: executableKey(x.ID), metaKey: executableMetaKey(x.ID), size: x.Size, meta: x,
		reservation: reservation,
		stored:      func() bool { _, ok := s.executables[x.ID]; return ok },
	})
	if err != nil {
		return Executable{}, false, err
	}
	if !created {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		return s.executableElsewhere(ctx, x.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.executables[x.ID]; !ok {
		s.used += x.Size
	}
	s.executables[x.ID] = x
	s.noteChange(executableMetaKey(x.ID))
	return x, true, nil
}

// executableElsewhere returns an executable whose identical upload
// committed first.
func (s *Store) executableElsewhere(ctx context.Context, id string) (Executable, bool, error) {
	s.mu.Lock()
	existing, ok := s.executables[id]
	s.mu.Unlock()
	if ok {
		return existing, false, nil
	}
	f := s.readMeta(ctx, executableMetaKey(id))
	if f.err != nil {
		return Executable{}, false, f.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.executables[id]; !ok {
		s.executables[id] = f.exe
		s.used += f.exe.Size
		s.noteChange(executableMetaKey(id))
	}
	return f.exe, false, nil
}

func describeExecutable(path, name, uploader string, now time.Time) (Executable, error) {
	sum, size, head, err := hashFile(path)
	if err != nil {
		return Executable{}, err
	}
	switch dumpformat.ELFKind(head) {
	case dumpformat.ELFExecutable:
	case dumpformat.ELFCore:
		return Executable{}, errorf(ErrInvalid, "%s is a core dump, not an executable: give the executable of the process that dumped core", cleanName(name))
	default:
		return Executable{}, errorf(ErrInvalid, "%s is not a Linux (ELF) executable", cleanName(name))
	}
	return Executable{ID: sum, Name: cleanName(name), Size: size, Uploader: uploader, UploadedAt: now}, nil
}

// hashFile streams a file through sha256 and returns its first bytes.
func hashFile(path string) (sum string, size int64, head []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, nil, err
	}
	defer f.Close()
	head = make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, nil, err
	}
	h := sha256.New()
	size, err = io.Copy(h, f)
	if err != nil {
		return "", 0, nil, err
	}
	if size == 0 {
		return "", 0, nil, errorf(ErrInvalid, "the upload is empty")
	}
	return hex.EncodeToString(h.Sum(nil)), size, head, nil
}

// ingestCore stores an uploaded core dump of the stored executable exeID,
// after reading the pair with the core reader.
func (s *Store) ingestCore(tempPath string, u *upload) (Entry, bool, error) {
	s.ingestSlots <- struct{}{}
	m, err := s.describeCore(tempPath, u)
	<-s.ingestSlots
	if err != nil {
		return Entry{}, false, errors.Join(err, removeIfExists(tempPath))
	}
	return s.commitWith(tempPath, m, u.meta.Size, func() error {
		if _, ok := s.executables[u.meta.CoreOf]; !ok {
			return errorf(ErrNotFound, "the executable of this core was deleted meanwhile; upload both again")
		}
		return nil
	})
}

func (s *Store) describeCore(tempPath string, u *upload) (sidecar, error) {
	opts := s.options()
	s.mu.Lock()
	x, ok := s.executables[u.meta.CoreOf]
	s.mu.Unlock()
	if !ok {
		return sidecar{}, errorf(ErrNotFound, "executable %q not found: upload it before its core", u.meta.CoreOf)
	}
	sum, size, head, err := hashFile(tempPath)
	if err != nil {
		return sidecar{}, err
	}
	if dumpformat.ELFKind(head) != dumpformat.ELFCore {
		return sidecar{}, errorf(ErrInvalid, "%s is not a core dump (a Linux ELF core file)", u.meta.Name)
	}
	if opts.Cores.Validate == nil {
		return sidecar{}, errorf(ErrInvalid, "core dumps are not read here")
	}
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	exe, err := s.files.path(ctx, executableKey(x.ID), x.Size, x.ID)
	if errors.Is(err, objstore.ErrNotExist) {
		return sidecar{}, errorf(ErrNotFound, "the executable of this core was deleted meanwhile; upload both again")
	}
	if err != nil {
		return sidecar{}, err
	}
	info, err := opts.Cores.Validate(tempPath, exe)
	if err != nil {
		return sidecar{}, errorf(ErrInvalid, "%s with %s: %v", u.meta.Name, x.Name, err)
	}
	info.ExecutableID, info.Executable = x.ID, x.Name
	now := opts.Now().UTC()
	m := sidecar{
		Version: sidecarFormat, ID: sum, Source: SourceUpload, Name: u.meta.Name, Size: size,
		Format: dumpformat.CoreDump, Detail: info.summary(), Uploader: u.meta.Uploader, UploadedAt: now,
		Core: &info,
	}
	m.DetectedAt, m.DetectedFrom = now, CapturedFromUpload
	if !u.meta.ModifiedAt.IsZero() {
		m.DetectedAt, m.DetectedFrom = u.meta.ModifiedAt.UTC(), CapturedFromModified
	}
	m.CapturedAt, m.CapturedFrom = m.DetectedAt, m.DetectedFrom
	return m, nil
}

// releaseExecutable deletes an executable no core needs any more, its
// metadata first; the caller holds s.mu.
func (s *Store) releaseExecutable(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	for _, m := range s.dumps {
		if m.Core != nil && m.Core.ExecutableID == id {
			return nil
		}
	}
	x, ok := s.executables[id]
	if !ok {
		return nil
	}
	if err := s.bucket.Delete(ctx, executableMetaKey(id)); err != nil {
		return err
	}
	delete(s.executables, id)
	s.used -= x.Size
	s.noteChange(executableMetaKey(id))
	s.files.forget(executableKey(id))
	return s.bucket.Delete(ctx, executableKey(id))
}

// CoreFiles returns local paths of a stored core dump and its executable
// (downloaded first from a shared bucket).
func (s *Store) CoreFiles(id string) (Entry, CoreFiles, error) {
	m, err := s.lookup(id)
	if err != nil {
		return Entry{}, CoreFiles{}, err
	}
	if m.Core == nil {
		return Entry{}, CoreFiles{}, errorf(ErrInvalid, "dump %q is not a core dump", id)
	}
	s.mu.Lock()
	x, ok := s.executables[m.Core.ExecutableID]
	s.mu.Unlock()
	if !ok {
		return Entry{}, CoreFiles{}, errorf(ErrNotFound, "the executable of core dump %q is missing", id)
	}
	core, err := s.localDump(m)
	if err != nil {
		return Entry{}, CoreFiles{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	exe, err := s.files.path(ctx, executableKey(x.ID), x.Size, x.ID)
	if err != nil {
		return Entry{}, CoreFiles{}, err
	}
	return m.entry(), CoreFiles{Core: core, Executable: exe}, nil
}

// CoreFiles returns the paths of a listed core dump and its executable.
func (c *Catalog) CoreFiles(id string) (Entry, CoreFiles, error) {
	switch {
	case IsDirID(id) && c.dirs != nil:
		return c.dirs.CoreFiles(id)
	case !IsDirID(id) && c.store != nil:
		return c.store.CoreFiles(id)
	}
	return Entry{}, CoreFiles{}, notFound(id)
}

// elfKind reads the first bytes of a source's file to tell cores and
// executables from dumps.
func (w *watchedDir) elfKind(rel string) int {
	head, err := w.tree.head(rel, 18)
	if err != nil {
		return dumpformat.NotELF
	}
	return dumpformat.ELFKind(head)
}

// describeCore lists a core dump of a directory, read with its executable
// (see findExecutable) so that the listing says what it holds or why it
// cannot be read.
func (w *watchedDir) describeCore(rel string, info os.FileInfo) (Entry, CoreFiles) {
	e := w.errorEntry(rel, "")
	e.Format, e.Size, e.ModifiedAt = dumpformat.CoreDump, info.Size(), info.ModTime().UTC()
	e.CapturedAt, e.CapturedFrom = e.ModifiedAt, CapturedFromModified
	describe(&e)
	if info.Size() > w.opts.MaxCoreBytes {
		e.Error = fmt.Sprintf("the core dump is %s; cores above %s are not read (maxCoreUploadMiB)",
			dumpformat.FormatSize(info.Size()), dumpformat.FormatSize(w.opts.MaxCoreBytes))
		return e, CoreFiles{}
	}
	if w.opts.Cores.Validate == nil || w.opts.Cores.Program == nil {
		e.Error = "core dumps are not read here"
		return e, CoreFiles{}
	}
	core, err := w.tree.path(rel)
	if err != nil {
		e.Error = describeError(err)
		return e, CoreFiles{}
	}
	files := CoreFiles{Core: core}
	exe, name, err := w.findExecutable(rel, files.Core)
	if err != nil {
		e.Error = err.Error()
		return e, CoreFiles{}
	}
	files.Executable = exe
	ci, err := w.opts.Cores.Validate(files.Core, exe)
	if err != nil {
		e.Error = fmt.Sprintf("read with %s: %v", name, err)
		return e, CoreFiles{}
	}
	ci.Executable = name
	e.Core, e.Detail = &ci, ci.summary()
	return e, files
}

// findExecutable applies the rule of a directory's core dumps: the
// directory's configured executable (a file, or a directory holding the
// program by name), else the file named like the core's program (the base
// name of the executable its process ran) beside the core.
func (w *watchedDir) findExecutable(rel, corePath string) (path, name string, err error) {
	program, err := w.opts.Cores.Program(corePath)
	if err != nil {
		return "", "", err
	}
	base := filepath.Base(program)
	if program == "" || base == "." || base == "/" {
		return "", "", errors.New("the core does not record which executable its process ran; set the directory's executable path")
	}
	if x := w.cfg.Executable; x != "" && w.kind == "bucket" {
		// A key under the bucket source's prefix.
		if _, err := w.tree.stat(x); err != nil {
			return "", "", fmt.Errorf("the executable of this core, %s (the source's executable), is not in the bucket", x)
		}
		exe, err := w.tree.path(x)
		if err != nil {
			return "", "", fmt.Errorf("the executable of this core, %s: %s", x, describeError(err))
		}
		return exe, x, nil
	}
	if x := w.cfg.Executable; x != "" {
		if st, err := os.Stat(x); err == nil && st.IsDir() {
			x = filepath.Join(x, base)
		}
		if _, err := os.Stat(x); err != nil {
			return "", "", fmt.Errorf("the executable of this core, %s (the directory's executable path), cannot be read: %s", x, withoutPath(err))
		}
		return x, filepath.Base(x), nil
	}
	beside := pathJoin(rel, base)
	if st, err := w.tree.stat(beside); err != nil || !st.Mode().IsRegular() {
		return "", "", fmt.Errorf("no executable for this core: its process ran %s; put that executable next to the core as %q, or set the directory's executable path", program, beside)
	}
	exe, err := w.tree.path(beside)
	if err != nil {
		return "", "", fmt.Errorf("the executable of this core, %s: %s", beside, describeError(err))
	}
	return exe, beside, nil
}

// pathJoin names a file in the directory of rel.
func pathJoin(rel, base string) string {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		return rel[:i+1] + base
	}
	return base
}

// CoreFiles returns the paths of a listed core dump of a directory and its
// executable, describing the core anew if it changed since it was listed.
func (d *Directories) CoreFiles(id string) (Entry, CoreFiles, error) {
	kind, name, rel, ok := splitDirID(id)
	if !ok {
		return Entry{}, CoreFiles{}, notFound(id)
	}
	w := d.find(kind, name)
	if w == nil {
		return Entry{}, CoreFiles{}, notFound(id)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refreshIfStale()
	f, ok := w.files[rel]
	if !ok {
		return Entry{}, CoreFiles{}, notFound(id)
	}
	if fresh := w.inspect(rel, f); fresh != nil {
		f = fresh
		w.files[rel] = f
	}
	if f.entry.Error != "" {
		return Entry{}, CoreFiles{}, errorf(ErrInvalid, "%s cannot be used: %s", id, f.entry.Error)
	}
	if f.core.Core == "" {
		return Entry{}, CoreFiles{}, errorf(ErrInvalid, "%s is not a core dump", id)
	}
	return f.entry, f.core, nil
}
