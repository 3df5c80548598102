package dumps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/objstore"
)

// cache keeps local copies of a shared bucket's objects, named after their
// keys, at most max bytes of them: the least recently used go first. A copy
// is checked against the size and sha256 its metadata gives before it is
// used, so a corrupted or replaced object is never read as the dump. A file
// evicted while it is read stays readable: a mapping or an open descriptor
// keeps it until it is closed.
type cache struct {
	dir, spool string
	max        int64

	mu      sync.Mutex
	files   map[string]*cached
	total   int64
	loading map[string]*sync.Mutex
}

type cached struct {
	size int64
	used time.Time
}

// spoolAge is how old a temporary file must be to be taken for one a crash
// left: the spool may be shared with a store being replaced.
const spoolAge = time.Hour

func openCache(dir, spool string, max int64) (*cache, error) {
	for _, d := range []string{dir, spool} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			return nil, err
		}
	}
	c := &cache{dir: dir, spool: spool, max: max, files: map[string]*cached{}, loading: map[string]*sync.Mutex{}}
	for _, d := range []string{dir, spool} {
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			info, err := e.Info()
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			if isTempName(e.Name()) {
				if time.Since(info.ModTime()) > spoolAge {
					_ = removeIfExists(filepath.Join(d, e.Name()))
				}
				continue
			}
			if d == dir {
				c.files[e.Name()] = &cached{size: info.Size(), used: info.ModTime()}
				c.total += info.Size()
			}
		}
	}
	c.mu.Lock()
	c.evict("")
	c.mu.Unlock()
	return c, nil
}

func cacheName(key string) string { return strings.ReplaceAll(key, "/", "_") }

// fetch returns the path of a local copy of key, downloading it first if
// need be.
func (c *cache) fetch(ctx context.Context, b objstore.Bucket, key string, size int64, sum string) (string, error) {
	return c.fetchAs(ctx, b, key, cacheName(key), size, sum)
}

// fetchAs is fetch with the copy's file name given.
func (c *cache) fetchAs(ctx context.Context, b objstore.Bucket, key, name string, size int64, sum string) (string, error) {
	path := filepath.Join(c.dir, name)
	c.mu.Lock()
	l := c.loading[name]
	if l == nil {
		l = &sync.Mutex{}
		c.loading[name] = l
	}
	c.mu.Unlock()
	// One download per object at a time; the others wait for it.
	l.Lock()
	defer l.Unlock()
	c.mu.Lock()
	if f, ok := c.files[name]; ok && f.size == size {
		f.used = time.Now()
		c.mu.Unlock()
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
		c.mu.Lock()
		c.drop(name)
	}
	c.mu.Unlock()
	if err := c.download(ctx, b, key, path, size, sum); err != nil {
		return "", err
	}
	c.mu.Lock()
	c.add(name, size)
	c.mu.Unlock()
	return path, nil
}

func (c *cache) download(ctx context.Context, b objstore.Bucket, key, path string, size int64, sum string) error {
	rc, obj, err := b.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	if obj.Size != size {
		return errorf(ErrConflict, "stored object %s is %s, its metadata says %s", key,
			dumpformat.FormatSize(obj.Size), dumpformat.FormatSize(size))
	}
	f, err := createTemp(c.spool)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(rc, size+1))
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	switch {
	case err != nil:
	case n != size:
		err = errorf(ErrConflict, "stored object %s ended after %d of %d bytes", key, n, size)
	case sum != "" && hex.EncodeToString(h.Sum(nil)) != sum:
		err = errorf(ErrConflict, "stored object %s does not hash to its id", key)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return errors.Join(err, removeIfExists(f.Name()))
	}
	return nil
}

// adopt takes a file just uploaded as key's copy.
func (c *cache) adopt(key, temp string, size int64) {
	name := cacheName(key)
	if err := os.Rename(temp, filepath.Join(c.dir, name)); err != nil {
		_ = removeIfExists(temp)
		return
	}
	c.mu.Lock()
	c.drop(name)
	c.add(name, size)
	c.mu.Unlock()
}

func (c *cache) remove(key string) {
	name := cacheName(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.drop(name)
	_ = removeIfExists(filepath.Join(c.dir, name))
}

// add records a copy and evicts others to make room; the caller holds c.mu.
func (c *cache) add(name string, size int64) {
	c.files[name] = &cached{size: size, used: time.Now()}
	c.total += size
	c.evict(name)
}

func (c *cache) drop(name string) {
	if f, ok := c.files[name]; ok {
		c.total -= f.size
		delete(c.files, name)
	}
}

// evict removes the least recently used copies, never keep, until the
// cache fits; the caller holds c.mu.
func (c *cache) evict(keep string) {
	for c.total > c.max {
		var oldest string
		for name, f := range c.files {
			if name != keep && (oldest == "" || f.used.Before(c.files[oldest].used)) {
				oldest = name
			}
		}
		if oldest == "" {
			return
		}
		c.drop(oldest)
		_ = removeIfExists(filepath.Join(c.dir, oldest))
	}
}
