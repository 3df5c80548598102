package dumps

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// get opens a listed file. The listing is refreshed first if stale, so a
// file deleted since is not found, and one that changed is described anew.
func (w *watchedDir) get(rel string) (Entry, *Content, error) {
	w.mu.Lock()
	w.refreshIfStale()
	f, ok := w.files[rel]
	w.mu.Unlock()
	id := w.source() + ":" + rel
	if !ok {
		return Entry{}, nil, notFound(id)
	}
	if f.entry.Error != "" {
		return Entry{}, nil, errorf(ErrInvalid, "%s cannot be used: %s", id, f.entry.Error)
	}
	c, info, err := w.open(rel)
	if err != nil {
		return Entry{}, nil, errorf(ErrNotFound, "%s cannot be read: %s", id, withoutPath(err))
	}
	e := f.entry
	if info.Size() != f.size || !info.ModTime().Equal(f.modTime) {
		d, err := c.inspect(rel)
		if err != nil {
			return Entry{}, nil, errors.Join(err, c.Close())
		}
		e.Size, e.ModifiedAt = info.Size(), info.ModTime().UTC()
		e.CapturedAt, e.CapturedFrom = e.ModifiedAt, CapturedFromModified
		e.SnapshotCount, e.Snapshots = 0, nil
		w.applyDetection(&e, d)
		w.validate(&e, c)
		w.mu.Lock()
		w.files[rel] = &dirFile{size: info.Size(), modTime: info.ModTime(), entry: e}
		w.mu.Unlock()
	}
	if e.Error != "" {
		return Entry{}, nil, errors.Join(errorf(ErrInvalid, "%s cannot be used: %s", id, e.Error), c.Close())
	}
	return e, c, nil
}

func (w *watchedDir) open(rel string) (*Content, fs.FileInfo, error) {
	f, err := w.tree.open(rel)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	c, info, err := openContent(f, w.opts.MaxFileBytes, w.opts.Limits)
	if errors.Is(err, ErrTooLarge) {
		return nil, nil, fmt.Errorf("the file has grown above the %s limit", dumpformat.FormatSize(w.opts.MaxFileBytes))
	}
	return c, info, err
}

// describeError writes a file system error with the path relative to the
// directory (as os.Root reports it) and without the operation's name.
func describeError(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Path + ": " + pathErr.Err.Error()
	}
	return err.Error()
}

// withoutPath writes a file system error without its path: for the
// directory itself, whose location on the server viewers need not see.
func withoutPath(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}
