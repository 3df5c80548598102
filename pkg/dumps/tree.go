package dumps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/objstore"
)

// tree is what a dump source lists and reads its files from: a directory
// on the Grafana server, or a prefix of a bucket. Scanning, detection,
// validation, cores and capture times are the same for both (watchedDir);
// only listing and getting a local file differ.
type tree interface {
	// unchanged reports, cheaply, that a walk now would find what the last
	// one found, as far as it can tell: a directory's own modification
	// time shows files added, removed or renamed in it; a bucket has no
	// such thing, and its listing is trusted until it is stale.
	unchanged() bool
	// walk calls fn with each file's path relative to the tree, at most
	// maxDepth levels deep, hidden names ('.' first) left out; fn's
	// fs.SkipAll stops the walk. A file that cannot be read is given with
	// its error.
	walk(maxDepth int, fn func(rel string, err error) error) error
	// stat describes a file; a symbolic link in a directory is followed
	// within it.
	stat(rel string) (fs.FileInfo, error)
	// head reads the first n bytes of a file (fewer if it is shorter),
	// without downloading the rest.
	head(rel string, n int) ([]byte, error)
	// open returns a local file holding the file's content.
	open(rel string) (*os.File, error)
	// path is a local path of the file, for readers that open it by name
	// (cores).
	path(rel string) (string, error)
}

// dirTree is a directory on the server, read through an os.Root, which
// refuses any path, and any symbolic link, that leads outside it.
type dirTree struct {
	dir string

	mu      sync.Mutex
	modTime time.Time
}

func (d *dirTree) unchanged() bool {
	info, err := os.Stat(d.dir)
	d.mu.Lock()
	defer d.mu.Unlock()
	return err == nil && info.ModTime().Equal(d.modTime)
}

func (d *dirTree) walk(maxDepth int, fn func(rel string, err error) error) error {
	root, err := os.OpenRoot(d.dir)
	if err != nil {
		return fmt.Errorf("cannot open the directory: %s", withoutPath(err))
	}
	defer root.Close()
	if info, err := root.Stat("."); err == nil {
		d.mu.Lock()
		d.modTime = info.ModTime()
		d.mu.Unlock()
	}
	err = fs.WalkDir(root.FS(), ".", func(rel string, de fs.DirEntry, err error) error {
		if rel == "." {
			return err
		}
		if strings.HasPrefix(path.Base(rel), ".") {
			return skipEntry(de)
		}
		if err != nil {
			if err := fn(rel, err); err != nil {
				return err
			}
			return skipEntry(de)
		}
		if de.IsDir() {
			if strings.Count(rel, "/")+1 >= maxDepth {
				return fs.SkipDir
			}
			return nil
		}
		return fn(rel, nil)
	})
	if err != nil {
		return fmt.Errorf("cannot read the directory: %s", describeError(err))
	}
	return nil
}

func (d *dirTree) stat(rel string) (fs.FileInfo, error) {
	root, err := os.OpenRoot(d.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Stat(rel)
}

func (d *dirTree) open(rel string) (*os.File, error) {
	root, err := os.OpenRoot(d.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.Open(rel)
}

func (d *dirTree) head(rel string, n int) ([]byte, error) {
	f, err := d.open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readHead(f, n)
}

func readHead(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, n)
	got, err := io.ReadFull(r, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return buf[:got], err
}

func (d *dirTree) path(rel string) (string, error) {
	return filepath.Join(d.dir, filepath.FromSlash(rel)), nil
}

// bucketTree is a prefix of a bucket, read-only. Its listing is bounded
// (maxObjects), and a file is downloaded into a bounded local cache when it
// is first described or read; objects above maxBytes are listed, never
// downloaded.
type bucketTree struct {
	bucket     objstore.Bucket
	cache      *cache
	maxObjects int
	maxBytes   int64

	mu      sync.Mutex
	objects map[string]objstore.Object
}

func (b *bucketTree) unchanged() bool { return true }

func (b *bucketTree) walk(maxDepth int, fn func(rel string, err error) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objs, truncated, err := objstore.ListAtMost(ctx, b.bucket, "", b.maxObjects)
	if err != nil {
		return fmt.Errorf("cannot list the bucket: %v", err)
	}
	listed := make(map[string]objstore.Object, len(objs))
	for _, o := range objs {
		listed[o.Key] = o
	}
	b.mu.Lock()
	b.objects = listed
	b.mu.Unlock()
	for _, o := range objs {
		if strings.Count(o.Key, "/") >= maxDepth || hiddenKey(o.Key) {
			continue
		}
		if err := fn(o.Key, nil); errors.Is(err, fs.SkipAll) {
			return nil
		} else if err != nil {
			return err
		}
	}
	if truncated {
		return fs.SkipAll
	}
	return nil
}

func hiddenKey(key string) bool {
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

func (b *bucketTree) stat(rel string) (fs.FileInfo, error) {
	b.mu.Lock()
	o, ok := b.objects[rel]
	b.mu.Unlock()
	if !ok {
		return nil, &fs.PathError{Op: "stat", Path: rel, Err: fs.ErrNotExist}
	}
	return objectFileInfo{o}, nil
}

func (b *bucketTree) head(rel string, n int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rc, _, err := b.bucket.Get(ctx, rel)
	if err != nil {
		return nil, err
	}
	// Closing early ends the transfer of the rest.
	defer rc.Close()
	return readHead(rc, n)
}

func (b *bucketTree) open(rel string) (*os.File, error) {
	p, err := b.path(rel)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

func (b *bucketTree) path(rel string) (string, error) {
	b.mu.Lock()
	o, ok := b.objects[rel]
	b.mu.Unlock()
	if !ok {
		return "", &fs.PathError{Op: "open", Path: rel, Err: fs.ErrNotExist}
	}
	if o.Size > b.maxBytes {
		return "", &fs.PathError{Op: "open", Path: rel, Err: errorf(ErrTooLarge, "larger than the %d bytes read from a bucket", b.maxBytes)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	// The copy is named after the object's key, size and time, so a
	// replaced object is downloaded anew.
	sum := sha256.Sum256([]byte(o.Key + "\x00" + strconv.FormatInt(o.Size, 10) + "\x00" + o.Modified.UTC().Format(time.RFC3339Nano)))
	p, err := b.cache.fetchAs(ctx, b.bucket, o.Key, hex.EncodeToString(sum[:16]), o.Size, "")
	if err != nil {
		return "", &fs.PathError{Op: "read", Path: rel, Err: err}
	}
	return p, nil
}

// objectFileInfo presents an object as a file.
type objectFileInfo struct{ o objstore.Object }

func (f objectFileInfo) Name() string       { return path.Base(f.o.Key) }
func (f objectFileInfo) Size() int64        { return f.o.Size }
func (f objectFileInfo) Mode() fs.FileMode  { return 0o444 }
func (f objectFileInfo) ModTime() time.Time { return f.o.Modified }
func (o objectFileInfo) IsDir() bool        { return false }
func (o objectFileInfo) Sys() any           { return nil }
