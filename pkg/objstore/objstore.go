// Package objstore is where the plugin keeps what must outlive a process and
// may be shared by several Grafana replicas: uploaded dumps, captures, leases
// and history segments. A Bucket is a flat namespace of keys holding whole
// objects, with two implementations: a local directory (the embedded
// default) and an S3-compatible bucket under a prefix.
//
// Both give the same guarantees, which is what lets the layers above treat
// them alike: an object is visible only once written whole (no reader or
// listing sees a partial object); Put replaces an object atomically;
// PutIfAbsent is an atomic claim across every process that shares the bucket
// (O_EXCL on a directory, a conditional write with If-None-Match: * on S3);
// Delete of a missing object succeeds.
package objstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// Object describes a stored object.
type Object struct {
	Key      string
	Size     int64
	Modified time.Time
}

// ErrNotExist is returned (wrapped) for a key that holds no object; it is
// fs.ErrNotExist, so errors.Is works with either.
var ErrNotExist = fs.ErrNotExist

// ErrExists is returned by PutIfAbsent when the key already holds an object.
var ErrExists = errors.New("object already exists")

// Bucket stores whole objects under keys. Keys are slash-separated paths
// without a leading slash; each segment is non-empty and not "." or "..".
type Bucket interface {
	// Put stores size bytes from r under key, replacing any object there.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// PutIfAbsent stores the object only when key holds none, and returns
	// ErrExists otherwise. Two processes racing for one key: exactly one wins.
	PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error
	// Get opens the object for reading; the caller closes it.
	Get(ctx context.Context, key string) (io.ReadCloser, Object, error)
	// Stat describes the object.
	Stat(ctx context.Context, key string) (Object, error)
	// List returns the objects whose keys start with prefix, in key order.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Delete removes the object; a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// String names the bucket for messages, without credentials.
	String() string
}

// ValidKey reports whether key is a clean relative path both
// implementations store alike.
func ValidKey(key string) bool {
	if key == "" || len(key) > 1024 || strings.HasPrefix(key, "/") {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, tempPrefix) {
			return false
		}
		if strings.ContainsAny(seg, "\\\x00") {
			return false
		}
	}
	return true
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return &KeyError{Key: key}
	}
	return nil
}

// KeyError is returned for a key ValidKey refuses.
type KeyError struct{ Key string }

func (e *KeyError) Error() string {
	return "object key " + quoteKey(e.Key) + " is not a clean relative path"
}

func quoteKey(k string) string {
	if len(k) > 80 {
		k = k[:80] + "…"
	}
	return "\"" + k + "\""
}

// ListAtMost lists at most max objects under prefix, in key order, and
// says whether there were more; a bucket that can stop early (S3) does.
func ListAtMost(ctx context.Context, b Bucket, prefix string, max int) ([]Object, bool, error) {
	if l, ok := b.(interface {
		listAtMost(ctx context.Context, prefix string, max int) ([]Object, bool, error)
	}); ok {
		return l.listAtMost(ctx, prefix, max)
	}
	objs, err := b.List(ctx, prefix)
	if err != nil {
		return nil, false, err
	}
	if len(objs) > max {
		return objs[:max], true, nil
	}
	return objs, false, nil
}

// ReadAll reads a whole object of at most max bytes.
func ReadAll(ctx context.Context, b Bucket, key string, max int64) ([]byte, error) {
	rc, obj, err := b.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if obj.Size > max {
		return nil, &TooLargeError{Key: key, Size: obj.Size, Max: max}
	}
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &TooLargeError{Key: key, Size: int64(len(data)), Max: max}
	}
	return data, nil
}

// TooLargeError says an object is larger than its reader allows.
type TooLargeError struct {
	Key       string
	Size, Max int64
}

func (e *TooLargeError) Error() string {
	return "object " + quoteKey(e.Key) + " is larger than the " + formatBytes(e.Max) + " allowed"
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
