package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// tempPrefix marks files being written; they are never listed, and a crash
// leaves them for OpenDir to remove.
const tempPrefix = ".tmp-"

// Dir is a Bucket in a local directory: each key is a file under it. Objects
// are written to a temporary file, synced and renamed (Put) or hard-linked
// (PutIfAbsent, which fails when the name exists) into place, so a reader or
// a restart after a crash sees a whole object or none.
type Dir struct {
	root string
}

// OpenDir opens (creating it if missing) a directory bucket and removes the
// temporary files a crash may have left. One process per directory: its
// temporary files are another live process's uploads in progress.
func OpenDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("object directory: no path configured")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("object directory %s: %w", abs, err)
	}
	d := &Dir{root: abs}
	if err := d.removeTemporaries(); err != nil {
		return nil, err
	}
	return d, nil
}

// Path is the file holding key, for readers that map files into memory.
func (d *Dir) Path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

func (d *Dir) String() string { return d.root }

func (d *Dir) Put(_ context.Context, key string, r io.Reader, size int64) error {
	return d.write(key, r, size, os.Rename)
}

func (d *Dir) PutIfAbsent(_ context.Context, key string, r io.Reader, size int64) error {
	err := d.write(key, r, size, func(temp, path string) error {
		err := os.Link(temp, path)
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		if err == nil {
			err = os.Remove(temp)
		}
		return err
	})
	return err
}

// write spools r into a synced temporary file and installs it with place.
func (d *Dir) write(key string, r io.Reader, size int64, place func(temp, path string) error) error {
	path, err := d.Path(key)
	if err != nil {
		return err
	}
	f, err := d.createTemp(filepath.Dir(path))
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if err == nil && size >= 0 && n != size {
		err = fmt.Errorf("object %s: got %d bytes, expected %d", quoteKey(key), n, size)
	}
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = place(f.Name(), path)
	}
	if err != nil {
		if rmErr := os.Remove(f.Name()); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
		return err
	}
	return syncDir(filepath.Dir(path))
}

// createTemp makes the directory of a key and a temporary file in it,
// again if a Delete pruned the directory in between.
func (d *Dir) createTemp(dir string) (*os.File, error) {
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(dir, tempPrefix+"*")
		if err == nil || !errors.Is(err, fs.ErrNotExist) || attempt == 2 {
			return f, err
		}
	}
}

func (d *Dir) Get(_ context.Context, key string) (io.ReadCloser, Object, error) {
	path, err := d.Path(key)
	if err != nil {
		return nil, Object{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, Object{}, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("object %s: %w", quoteKey(key), ErrNotExist)
	}
	if err != nil {
		f.Close()
		return nil, Object{}, err
	}
	return f, Object{Key: key, Size: info.Size(), Modified: info.ModTime()}, nil
}

func (d *Dir) Stat(_ context.Context, key string) (Object, error) {
	path, err := d.Path(key)
	if err != nil {
		return Object{}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return Object{}, err
	}
	if !info.Mode().IsRegular() {
		return Object{}, fmt.Errorf("object %s: %w", quoteKey(key), ErrNotExist)
	}
	return Object{Key: key, Size: info.Size(), Modified: info.ModTime()}, nil
}

func (d *Dir) List(ctx context.Context, prefix string) ([]Object, error) {
	// Walk only the deepest directory the prefix names whole.
	start := d.root
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = filepath.Join(d.root, filepath.FromSlash(prefix[:i]))
	}
	var out []Object
	err := filepath.WalkDir(start, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if strings.HasPrefix(de.Name(), tempPrefix) {
			if de.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if de.IsDir() || !de.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(d.root, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := de.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		out = append(out, Object{Key: key, Size: info.Size(), Modified: info.ModTime()})
		return nil
	})
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return out, err
}

func (d *Dir) Delete(_ context.Context, key string) error {
	path, err := d.Path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	d.pruneEmpty(filepath.Dir(path))
	return nil
}

// pruneEmpty removes the directories a key's deletion left empty, as a
// bucket has no directories: removing a non-empty one fails and stops.
func (d *Dir) pruneEmpty(dir string) {
	for dir != d.root && strings.HasPrefix(dir, d.root+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

func (d *Dir) removeTemporaries() error {
	return filepath.WalkDir(d.root, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() && strings.HasPrefix(de.Name(), tempPrefix) {
			return os.Remove(path)
		}
		return nil
	})
}

// syncDir makes the renames and removals in a directory durable. Windows
// cannot sync a directory and commits renames itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	err = f.Sync()
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	return err
}
