package dumpformat

import (
	"bytes"
	"compress/gzip"
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
	return fmt.Sprintf("decompressed size exceeds %s limit", FormatSize(e.Limit))
}

var gzipMagic = []byte{0x1f, 0x8b}

// IsGzip reports whether data starts like a gzip stream.
func IsGzip(data []byte) bool { return bytes.HasPrefix(data, gzipMagic) }

// DecompressedSize reads a gzip stream from r to its end, discarding the
// output, and returns its decompressed size. It fails with *LimitError as
// soon as the output passes limit, so a gzip bomb costs no memory.
func DecompressedSize(r io.Reader, limit int64) (int64, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return 0, fmt.Errorf("corrupt gzip data: %w", err)
	}
	defer zr.Close()
	n, err := io.Copy(io.Discard, io.LimitReader(zr, limit+1))
	if err != nil {
		return 0, fmt.Errorf("corrupt gzip data: %w", err)
	}
	if n > limit {
		return 0, &LimitError{Limit: limit}
	}
	return n, nil
}

// Decompress returns the content of a gzip stream, or data itself when it is
// not gzip; compressed says which. The output never exceeds limit bytes: the
// size is measured first, without keeping the output, so memory is only
// spent on data that fits.
func Decompress(data []byte, limit int64) (plain []byte, compressed bool, err error) {
	if !IsGzip(data) {
		return data, false, nil
	}
	size, err := DecompressedSize(bytes.NewReader(data), limit)
	if err != nil {
		return nil, true, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, true, fmt.Errorf("corrupt gzip data: %w", err)
	}
	defer zr.Close()
	plain = make([]byte, size)
	if _, err := io.ReadFull(zr, plain); err != nil {
		return nil, true, fmt.Errorf("corrupt gzip data: %w", err)
	}
	return plain, true, nil
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
