package dumps

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// watchedDir is one dump source, a directory or a bucket prefix, and its
// last listing.
type watchedDir struct {
	cfg  DirConfig
	opts *DirOptions
	// kind is the source's kind: "dir" or "bucket".
	kind string
	tree tree

	mu        sync.Mutex
	scannedAt time.Time
	files     map[string]*dirFile
	// problem is what kept the directory from being listed in full.
	problem string
}

// dirFile is a listed file and what it was when it was inspected; a file is
// inspected again only when its size or modification time changes.
type dirFile struct {
	size    int64
	modTime time.Time
	entry   Entry
	// core is set for a usable core dump.
	core CoreFiles
}

func (w *watchedDir) list() []Entry {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refreshIfStale()
	entries := make([]Entry, 0, len(w.files)+1)
	if w.problem != "" {
		entries = append(entries, Entry{
			ID:     w.source(),
			Source: w.source(),
			Format: dumpformat.Unknown,
			Error:  w.problem,
		})
		describe(&entries[0])
	}
	for _, f := range w.files {
		entries = append(entries, f.entry)
	}
	sortNewestFirst(entries)
	return entries
}

func (w *watchedDir) refreshIfStale() {
	now := w.opts.Now()
	if !w.scannedAt.IsZero() && now.Sub(w.scannedAt) < w.opts.RescanAfter && w.tree.unchanged() {
		return
	}
	w.scan()
	w.scannedAt = now
}

// scan lists the source's files, describing those that are new or changed.
func (w *watchedDir) scan() {
	w.problem = ""
	previous := w.files
	w.files = map[string]*dirFile{}
	truncated := false
	err := w.tree.walk(w.opts.MaxDepth, func(rel string, err error) error {
		if err != nil {
			w.files[rel] = &dirFile{entry: w.errorEntry(rel, "cannot read: "+describeError(err))}
			return nil
		}
		if !w.selects(rel) {
			return nil
		}
		if len(w.files) >= w.opts.MaxFiles {
			truncated = true
			return fs.SkipAll
		}
		if f := w.inspect(rel, previous[rel]); f != nil {
			w.files[rel] = f
		}
		return nil
	})
	switch {
	case errors.Is(err, fs.SkipAll) || truncated:
		w.problem = fmt.Sprintf("more than %d files; only the first %d are listed", w.opts.MaxFiles, len(w.files))
	case err != nil:
		w.problem = err.Error()
		if len(w.files) == 0 {
			w.files = nil
		}
	}
}

func skipEntry(de fs.DirEntry) error {
	if de != nil && de.IsDir() {
		return fs.SkipDir
	}
	return nil
}

// selects applies the glob: to the base name, or to the relative path when
// the glob has a '/'.
func (w *watchedDir) selects(rel string) bool {
	if w.cfg.Glob == "" {
		return true
	}
	subject := path.Base(rel)
	if strings.Contains(w.cfg.Glob, "/") {
		subject = rel
	}
	ok, _ := path.Match(w.cfg.Glob, subject)
	return ok
}

// inspect returns the listing of one file, reusing the previous one when the
// file has not changed. Symbolic links are followed within the directory;
// anything that is not a regular file in the end is left out.
func (w *watchedDir) inspect(rel string, previous *dirFile) *dirFile {
	info, err := w.tree.stat(rel)
	if err != nil {
		return &dirFile{entry: w.errorEntry(rel, "cannot read: "+describeError(err))}
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	if previous != nil && previous.size == info.Size() && previous.modTime.Equal(info.ModTime()) {
		return previous
	}
	if info.Size() > max(w.opts.MaxFileBytes, w.opts.MaxCoreBytes) {
		// Not even its first bytes are read.
		return &dirFile{size: info.Size(), modTime: info.ModTime(), entry: w.describeFile(rel, info)}
	}
	switch w.elfKind(rel) {
	case dumpformat.ELFExecutable:
		// Read with the cores of the directory, not listed.
		return nil
	case dumpformat.ELFCore:
		e, files := w.describeCore(rel, info)
		return &dirFile{size: info.Size(), modTime: info.ModTime(), entry: e, core: files}
	}
	return &dirFile{size: info.Size(), modTime: info.ModTime(), entry: w.describeFile(rel, info)}
}

func (w *watchedDir) describeFile(rel string, info fs.FileInfo) Entry {
	e := w.errorEntry(rel, "")
	e.Size = info.Size()
	e.ModifiedAt = info.ModTime().UTC()
	e.CapturedAt, e.CapturedFrom = e.ModifiedAt, CapturedFromModified
	if info.Size() > w.opts.MaxFileBytes {
		e.Error = fmt.Sprintf("the file is %s; files above %s are not read",
			dumpformat.FormatSize(info.Size()), dumpformat.FormatSize(w.opts.MaxFileBytes))
		return e
	}
	f, err := w.tree.open(rel)
	if err != nil {
		e.Error = describeError(err)
		return e
	}
	defer f.Close()
	c, _, err := openContent(f, w.opts.MaxFileBytes, w.opts.Limits)
	if err != nil {
		e.Error = describeError(err)
		return e
	}
	defer c.Close()
	d, err := w.detect(c, rel)
	if err != nil {
		e.Error = describeError(err)
		return e
	}
	w.applyDetection(&e, d)
	w.validate(&e, c)
	return e
}

// validates reports whether an entry is validated when it is listed: text
// a program printed, which a log may hold several of. Profiles are read
// only when queried.
func (w *watchedDir) validates(e Entry) bool {
	switch e.Format {
	case dumpformat.GoroutineText, dumpformat.CrashText, dumpformat.RaceText:
		return w.opts.Validate != nil && e.Error == ""
	}
	return false
}

// validate runs the validator on a listed file's content: a file it refuses
// is listed with the reason, and the snapshots it finds are listed.
func (w *watchedDir) validate(e *Entry, c *Content) {
	if !w.validates(*e) {
		return
	}
	var snaps Snapshots
	err := c.Read(func(plain []byte) error {
		var err error
		snaps, err = w.opts.Validate(e.ContentKey(), e.Format, plain)
		if err != nil {
			return fmt.Errorf("invalid %s: %w", e.Format.Description(), err)
		}
		return nil
	})
	if err != nil {
		e.Error = err.Error()
		return
	}
	e.SnapshotCount, e.Snapshots = snaps.listing()
	e.CapturedAt, e.CapturedFrom = snaps.captureTime(e.CapturedAt, e.CapturedFrom)
}

func (w *watchedDir) applyDetection(e *Entry, d dumpformat.Detection) {
	e.Format, e.Detail, e.Compressed = d.Format, d.Detail, d.Compressed
	e.Error = ""
	if !d.Format.Known() {
		e.Error = "unrecognised file: " + d.Reason
	}
	if t, from := captureTime(d, e.Name, w.opts.Location); !t.IsZero() {
		e.CapturedAt, e.CapturedFrom = t, from
	}
	describe(e)
}

// detect reads as little of the content as its format allows: the first
// MiB tells a text format, while gzip and protobuf need the whole file. The
// file is mapped, so only the pages read are loaded.
func (w *watchedDir) detect(c *Content, rel string) (dumpformat.Detection, error) {
	if c.Size() > dumpformat.HeadSize {
		var d dumpformat.Detection
		err := c.guard(func() error {
			if head := c.raw[:dumpformat.HeadSize]; !dumpformat.IsGzip(head) {
				d = dumpformat.Detect(rel, head)
			}
			return nil
		})
		if err != nil {
			return dumpformat.Detection{}, err
		}
		if d.Format.Known() && d.Format.Encoding() != dumpformat.EncodingProtobuf {
			return d, nil
		}
	}
	return c.inspect(rel)
}

// source is the source's id: "dir:<name>" or "bucket:<name>".
func (w *watchedDir) source() string { return w.kind + ":" + w.cfg.Name }

func (w *watchedDir) errorEntry(rel, msg string) Entry {
	e := Entry{
		ID:     w.source() + ":" + rel,
		Source: w.source(),
		Name:   rel,
		Format: dumpformat.Unknown,
		Error:  msg,
	}
	describe(&e)
	return e
}
