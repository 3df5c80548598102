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

// gzipError words a gzip reader's error.
func gzipError(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("corrupt gzip data: the stream is truncated")
	}
	return fmt.Errorf("corrupt gzip data: %w", err)
}

// decompress returns the content of a gzip stream, or data itself when it
// is not gzip; compressed says which. The output never exceeds
// lim.MaxDecompressedBytes and is never cut short. Data that expands like
// real dumps and profiles (up to directRatio times, and directMax bytes) is
// read in one pass; what expands further, as a gzip bomb does, is measured
// to its end without keeping the output, and read again only if it fits,
// so a bomb costs at most that first pass in memory. On the way, data that
// may be a pprof profile is counted against lim's profile bounds, so a few
// KiB that decompress to a profile beyond them are refused without
// holding it.
func decompress(data []byte, lim Limits) (plain []byte, compressed bool, err error) {
	if !IsGzip(data) {
		return data, false, nil
	}
	limit := lim.MaxDecompressedBytes
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
	meter := &profileMeter{lim: lim, off: !mayBePprof(plain)}
	meter.Write(plain)
	read := int64(len(plain))
	plain = nil // free the first pass while measuring
	rest, err := io.Copy(meter, io.LimitReader(zr, limit+1-read))
	switch {
	case IsLimitError(err):
		return nil, true, err
	case err != nil:
		return nil, true, gzipError(err)
	}
	size := read + rest
	if size > limit {
		return nil, true, &LimitError{Limit: limit}
	}
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

// profileMeter counts what passes through it as a pprof profile against
// lim, failing with a *BoundError beyond a bound; once the data proves not
// to be a profile (or when off from the start), it only lets it pass.
type profileMeter struct {
	scan pprofScanner
	lim  Limits
	off  bool
}

func (m *profileMeter) Write(p []byte) (int, error) {
	if m.off {
		return len(p), nil
	}
	if _, err := m.scan.Write(p); err != nil {
		m.off = true
		return len(p), nil
	}
	if err := m.scan.counts.check(m.lim); err != nil {
		return 0, err
	}
	return len(p), nil
}

// mayBePprof reports whether the first bytes of data leave it possibly a
// protobuf profile: not text, not an execution trace.
func mayBePprof(head []byte) bool {
	_, trace := detectTrace(head)
	return !trace && !looksLikeText(head[:min(len(head), HeadSize)])
}

// Profiles expand a few times under gzip and hold a few MiB, goroutine
// dumps expand a few tens of times (they take the second pass), a gzip
// bomb about a thousand times.
const (
	directRatio = 16
	directMax   = 16 << 20
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

// IsLimitError reports whether err is, or wraps, a *LimitError or a
// *BoundError: data beyond one of the Limits.
func IsLimitError(err error) bool {
	var le *LimitError
	var be *BoundError
	return errors.As(err, &le) || errors.As(err, &be)
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
