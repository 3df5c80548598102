package dumps

import (
	"errors"
	"io/fs"
	"os"
	"runtime/debug"
	"unsafe"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// Content is a dump's bytes, opened for reading. Where the platform allows
// it, the file is mapped into memory read-only instead of copied: its bytes
// are then the kernel's page cache, which the Go heap does not count (so
// the garbage collector does not size the heap after them), which the
// kernel can reclaim under pressure, and which Close releases at once.
// gzip content is decompressed on first use, within the limits.
type Content struct {
	raw    []byte
	unmap  func() error
	limits dumpformat.Limits

	decoded bool
	plain   []byte
	// detection is set once inspect has run.
	detection *dumpformat.Detection
}

// openContent opens a regular file of at most maxBytes for reading.
func openContent(f *os.File, maxBytes int64, limits dumpformat.Limits) (*Content, fs.FileInfo, error) {
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, errors.New("not a regular file")
	}
	if info.Size() > maxBytes {
		return nil, nil, errorf(ErrTooLarge, "the file is %s, above the %s limit",
			dumpformat.FormatSize(info.Size()), dumpformat.FormatSize(maxBytes))
	}
	raw, unmap, err := mapFile(f, info.Size())
	if err != nil {
		return nil, nil, err
	}
	return &Content{raw: raw, unmap: unmap, limits: limits}, info, nil
}

// Size is the size of the content as stored (compressed, if it is).
func (c *Content) Size() int64 { return int64(len(c.raw)) }

// Read gives fn the content, decompressed. fn must not keep the bytes, or
// anything that shares their memory, once it returns: parse them into
// values that own their memory. The bytes are read-only.
//
// A mapped file can shrink under the mapping (a tool truncating a file in
// a dump directory, log rotation); reading past its new end faults. Read
// turns that fault into an error instead of a crash.
func (c *Content) Read(fn func(plain []byte) error) error {
	return c.guard(func() error {
		if err := c.decode(); err != nil {
			return err
		}
		return fn(c.plain)
	})
}

// Close releases the bytes; closing again does nothing.
func (c *Content) Close() error {
	c.plain, c.raw = nil, nil
	if c.unmap == nil {
		return nil
	}
	unmap := c.unmap
	c.unmap = nil
	return unmap()
}

func (c *Content) decode() error {
	if c.decoded {
		return nil
	}
	plain, _, err := dumpformat.Decode(c.raw, c.limits)
	if dumpformat.IsLimitError(err) {
		return errorf(ErrTooLarge, "%v", err)
	}
	if err != nil {
		return err
	}
	c.plain, c.decoded = plain, true
	return nil
}

// inspect detects the content's format (see dumpformat.Inspect), keeping
// the decompressed bytes for Read.
func (c *Content) inspect(name string) (dumpformat.Detection, error) {
	if c.detection != nil {
		return *c.detection, nil
	}
	err := c.guard(func() error {
		d, plain, err := dumpformat.Inspect(name, c.raw, c.limits)
		if err != nil {
			return errorf(ErrTooLarge, "%v", err)
		}
		c.detection = &d
		if plain != nil {
			c.plain, c.decoded = plain, true
		}
		return nil
	})
	if err != nil {
		return dumpformat.Detection{}, err
	}
	return *c.detection, nil
}

// errChanged reports a file that shrank while it was being read.
var errChanged = errorf(ErrConflict, "the file changed while it was being read; try again")

// guard runs fn, turning a memory fault inside the mapping (reading a file
// past its end after it was truncated) into errChanged; any other panic
// goes on. fn must not start goroutines that read the mapping: the guard
// covers this goroutine only.
func (c *Content) guard(fn func() error) (err error) {
	if c.unmap == nil {
		return fn()
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(c.raw)))
	end := start + uintptr(len(c.raw))
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if fault, ok := r.(interface{ Addr() uintptr }); ok && fault.Addr() >= start && fault.Addr() < end {
			err = errChanged
			return
		}
		panic(r)
	}()
	return fn()
}
