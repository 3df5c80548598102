package dumpformat

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultDecompressedLimit bounds what a gzip stream may expand to unless a
// caller chooses its own limit. A real goroutine dump is at most 64 MiB (the
// runtime truncates there), so this leaves room for any real profile while a
// gzip bomb fails quickly.
const DefaultDecompressedLimit int64 = 512 << 20

// LimitError reports data whose decompressed size exceeds the limit.
type LimitError struct {
	Limit int64
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("decompressed size exceeds %s limit (the bound set by %s)", FormatSize(e.Limit), settingDecompressed)
}

// ErrNestedGzip is returned for gzip data whose content is gzip again:
// nothing real is compressed twice, and each layer multiplies what a few
// bytes expand to, so only one layer is ever undone.
var ErrNestedGzip = errors.New("gzip inside gzip: the data is compressed twice; decompress it once")

var gzipMagic = []byte{0x1f, 0x8b}

// IsGzip reports whether data starts like a gzip stream.
func IsGzip(data []byte) bool { return bytes.HasPrefix(data, gzipMagic) }

// DecompressedSize reads a gzip stream from r to its end, discarding the
// output, and returns its decompressed size. It fails with *LimitError as
// soon as the output passes limit, so a gzip bomb costs no memory, and with
// ErrNestedGzip when the output is gzip itself.
func DecompressedSize(r io.Reader, limit int64) (int64, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return 0, gzipError(err)
	}
	defer zr.Close()
	var head [2]byte
	n, err := readHead(zr, head[:])
	if err != nil {
		return 0, gzipError(err)
	}
	if IsGzip(head[:n]) {
		return 0, ErrNestedGzip
	}
	rest, err := io.Copy(io.Discard, io.LimitReader(zr, limit+1-int64(n)))
	if err != nil {
		return 0, gzipError(err)
	}
	if size := int64(n) + rest; size <= limit {
		return size, nil
	}
	return 0, &LimitError{Limit: limit}
}

// readHead fills head from r unless r ends first, and returns how much it
// read; unlike io.ReadFull it tells a short stream (no error) from a
// truncated one.
func readHead(r io.Reader, head []byte) (int, error) {
	n := 0
	for n < len(head) {
		m, err := r.Read(head[n:])
		n += m
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// gzipError words a gzip reader's error.
func gzipError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("corrupt gzip data: the stream is truncated")
	}
	return fmt.Errorf("corrupt gzip data: %w", err)
}

// decompress returns the content of a gzip stream, or data itself when it
// is not gzip; compressed says which. The output never exceeds limit bytes
// and is never cut short. Data that expands like real dumps and profiles
// (up to directRatio times, and directMax bytes) is read in one pass; what
// expands further, as a gzip bomb does, is measured to its end without
// keeping the output, and read again only if it fits, so a bomb costs at
// most that first pass in memory.
func decompress(data []byte, limit int64) (plain []byte, compressed bool, err error) {
	if !IsGzip(data) {
		return data, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, true, gzipError(err)
	}
	defer zr.Close()
	direct := min(limit, directRatio*int64(len(data)), directMax)
	plain, err = readUpTo(zr, direct+1, sizeHint(data))
	switch {
	case err != nil:
		return nil, true, gzipError(err)
	case IsGzip(plain):
		return nil, true, ErrNestedGzip
	case int64(len(plain)) <= direct:
		return plain, true, nil
	}
	rest, err := io.Copy(io.Discard, io.LimitReader(zr, limit+1-int64(len(plain))))
	if err != nil {
		return nil, true, gzipError(err)
	}
	size := int64(len(plain)) + rest
	if size > limit {
		return nil, true, &LimitError{Limit: limit}
	}
	plain = nil // free the first pass before the second
	if err := zr.Reset(bytes.NewReader(data)); err != nil {
		return nil, true, gzipError(err)
	}
	plain = make([]byte, size)
	if _, err := io.ReadFull(zr, plain); err != nil {
		return nil, true, gzipError(err)
	}
	return plain, true, nil
}

// readUpTo reads r to its end or to n bytes, whichever comes first, into a
// buffer that starts at the size hint and never grows beyond n.
func readUpTo(r io.Reader, n, hint int64) ([]byte, error) {
	buf := make([]byte, 0, min(max(hint, 64<<10), n))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), n))
			copy(grown, buf)
			buf = grown
		}
		m, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// Profiles expand a few times under gzip, goroutine dumps a few tens of
// times (they take the second pass), a gzip bomb about a thousand times.
const (
	directRatio = 16
	directMax   = 64 << 20
)

// sizeHint is the decompressed size a gzip stream's trailer declares (of
// its last member, modulo 4 GiB): exact for what real tools write, and only
// a hint, as the data may lie.
func sizeHint(data []byte) int64 {
	if len(data) < 18 {
		return 0
	}
	return int64(binary.LittleEndian.Uint32(data[len(data)-4:]))
}

// IsLimitError reports whether err is, or wraps, a *LimitError.
func IsLimitError(err error) bool {
	var le *LimitError
	return errors.As(err, &le)
}

// FormatSize writes a byte count in binary units, as in "512 MiB".
func FormatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	value := float64(n) / unit
	i := 0
	for value >= unit && i < len(units)-1 {
		value /= unit
		i++
	}
	if value == float64(int64(value)) {
		return fmt.Sprintf("%d %s", int64(value), units[i])
	}
	return fmt.Sprintf("%.1f %s", value, units[i])
}
