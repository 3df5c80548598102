package dumps

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// get reads a listed file. The listing is refreshed first if stale, so a
// file deleted since is not found, and one that changed is described anew.
func (w *watchedDir) get(rel string) (Entry, []byte, error) {
	w.mu.Lock()
	w.refreshIfStale()
	f, ok := w.files[rel]
	w.mu.Unlock()
	id := dirID(w.cfg.Name, rel)
	if !ok {
		return Entry{}, nil, notFound(id)
	}
	if f.entry.Error != "" {
		return Entry{}, nil, errorf(ErrInvalid, "%s cannot be used: %s", id, f.entry.Error)
	}
	raw, info, err := w.read(rel)
	if err != nil {
		return Entry{}, nil, errorf(ErrNotFound, "%s cannot be read: %s", id, withoutPath(err))
	}
	d, plain, err := dumpformat.Inspect(rel, raw, w.opts.MaxDecompressedBytes)
	if err != nil {
		return Entry{}, nil, errorf(ErrTooLarge, "%v", err)
	}
	e := f.entry
	if info.Size() != f.size || !info.ModTime().Equal(f.modTime) {
		e.Size, e.ModifiedAt = info.Size(), info.ModTime().UTC()
		e.CapturedAt, e.CapturedFrom = e.ModifiedAt, CapturedFromModified
		e.SnapshotCount, e.Snapshots = 0, nil
		w.applyDetection(&e, d)
		w.validate(&e, plain)
		w.mu.Lock()
		w.files[rel] = &dirFile{size: info.Size(), modTime: info.ModTime(), entry: e}
		w.mu.Unlock()
	}
	if e.Error != "" {
		return Entry{}, nil, errorf(ErrInvalid, "%s cannot be used: %s", id, e.Error)
	}
	return e, plain, nil
}

func (w *watchedDir) read(rel string) ([]byte, fs.FileInfo, error) {
	root, err := os.OpenRoot(w.cfg.Path)
	if err != nil {
		return nil, nil, err
	}
	defer root.Close()
	return readFileInfo(root, rel, w.opts.MaxFileBytes)
}

// readFile reads a regular file of the directory, up to limit bytes.
func readFile(root *os.Root, rel string, limit int64) ([]byte, error) {
	data, _, err := readFileInfo(root, rel, limit)
	return data, err
}

func readFileInfo(root *os.Root, rel string, limit int64) ([]byte, fs.FileInfo, error) {
	f, err := root.Open(rel)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, errors.New("not a regular file")
	}
	if info.Size() > limit {
		return nil, nil, fmt.Errorf("the file has grown to %s, above the %s limit",
			dumpformat.FormatSize(info.Size()), dumpformat.FormatSize(limit))
	}
	data, err := io.ReadAll(io.LimitReader(f, limit))
	return data, info, err
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
