package dumps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goscope/pprof/pkg/objstore"
)

// Keys of the store's objects.
const (
	dumpExt        = ".dump"
	sidecarExt     = ".json"
	executablesDir = "executables"
	executableExt  = ".exe"
	uploadsDir     = "uploads"
)

func dumpKey(id string) string    { return id + dumpExt }
func sidecarKey(id string) string { return id + sidecarExt }
func executableKey(id string) string {
	return executablesDir + "/" + id + executableExt
}
func executableMetaKey(id string) string {
	return executablesDir + "/" + id + sidecarExt
}

// localFiles gives the store local files for its objects: parsing maps
// them, and Delve reads cores by path.
type localFiles interface {
	// path returns a local file holding the object whole; size and
	// sha256 are what the object must be.
	path(ctx context.Context, key string, size int64, sum string) (string, error)
	// place stores a complete local temporary file as key; the temporary
	// file is gone afterwards.
	place(ctx context.Context, temp, key string, size int64) error
	// tempDir is where uploads are written before they are stored.
	tempDir() string
	// forget drops any local copy of a deleted object.
	forget(key string)
}

// dirFiles are the objects of a local directory bucket: its own files, and
// a temporary file is renamed into place rather than copied.
type dirFiles struct{ d *objstore.Dir }

func (f dirFiles) path(_ context.Context, key string, _ int64, _ string) (string, error) {
	p, err := f.d.Path(key)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

func (f dirFiles) place(_ context.Context, temp, key string, _ int64) error {
	p, err := f.d.Path(key)
	if err == nil {
		err = os.MkdirAll(filepath.Dir(p), 0o750)
	}
	if err == nil {
		err = os.Rename(temp, p)
	}
	if err == nil {
		return syncDir(filepath.Dir(p))
	}
	return errors.Join(err, removeIfExists(temp))
}

func (f dirFiles) tempDir() string { return f.d.String() }
func (f dirFiles) forget(string)   {}

// cachedFiles are the objects of a shared bucket: uploaded from a local
// temporary file, downloaded into a bounded cache to be read. A file just
// uploaded stays in the cache, so reading it back costs nothing.
type cachedFiles struct {
	bucket objstore.Bucket
	cache  *cache
}

func (f *cachedFiles) path(ctx context.Context, key string, size int64, sum string) (string, error) {
	return f.cache.fetch(ctx, f.bucket, key, size, sum)
}

func (f *cachedFiles) place(ctx context.Context, temp, key string, size int64) error {
	file, err := os.Open(temp)
	if err != nil {
		return errors.Join(err, removeIfExists(temp))
	}
	err = f.bucket.Put(ctx, key, file, size)
	file.Close()
	if err != nil {
		return errors.Join(err, removeIfExists(temp))
	}
	f.cache.adopt(key, temp, size)
	return nil
}

func (f *cachedFiles) tempDir() string   { return f.cache.spool }
func (f *cachedFiles) forget(key string) { f.cache.remove(key) }

// putBytes stores a small object.
func putBytes(ctx context.Context, b objstore.Bucket, key string, data []byte) error {
	return b.Put(ctx, key, bytes.NewReader(data), int64(len(data)))
}

// openFile opens a local file, reporting a missing one as
// objstore.ErrNotExist.
func openFile(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w", objstore.ErrNotExist)
	}
	return f, err
}

// spoolTo writes r, at most limit bytes, to a temporary file in dir and
// returns its path and size; n > limit means r held more.
func spoolTo(dir string, r io.Reader, limit int64) (string, int64, error) {
	f, err := createTemp(dir)
	if err != nil {
		return "", 0, err
	}
	n, err := io.Copy(f, io.LimitReader(r, limit+1))
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return "", 0, errors.Join(err, removeIfExists(f.Name()))
	}
	return f.Name(), n, nil
}
