package profiles

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/google/pprof/profile"
)

// MaxUncompressedSize bounds how much a gzipped profile may expand to, so a
// small upload cannot exhaust memory.
const MaxUncompressedSize = 512 << 20

// ErrNotProfile is wrapped by every error Parse returns for input that is
// not a pprof profile at all.
var ErrNotProfile = errors.New("not a pprof profile")

// Parse reads a pprof profile: protobuf, gzipped or not, or one of the
// legacy text formats (heap, allocs, block, mutex, threadcreate and
// goroutine at debug=1). Legacy text is symbolized from the runtime's
// comment lines, which the pprof library itself ignores.
func Parse(data []byte) (*profile.Profile, error) {
	raw, err := uncompress(data)
	if err != nil {
		return nil, err
	}
	if err := recognize(raw); err != nil {
		return nil, err
	}
	text := markEmptyStacks(neutralizeMutexPeriod(raw))
	p, err := profile.ParseData(text)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotProfile, err)
	}
	if isLegacyText(raw) {
		// The pprof library leaves the legacy text formats without
		// functions; their names are in the comment lines.
		symbolizeLegacyText(p, text)
	}
	dropPadding(p)
	if len(p.SampleType) == 0 {
		return nil, fmt.Errorf("%w: the profile has no sample types", ErrNotProfile)
	}
	return p, nil
}

func uncompress(data []byte) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the data is empty", ErrNotProfile)
	}
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: bad gzip header: %v", ErrNotProfile, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, MaxUncompressedSize+1))
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("%w: the gzip stream is truncated (%d compressed bytes received)", ErrNotProfile, len(data))
	case err != nil:
		return nil, fmt.Errorf("%w: decompressing: %v", ErrNotProfile, err)
	case len(raw) > MaxUncompressedSize:
		return nil, fmt.Errorf("%w: more than %d bytes once decompressed", ErrNotProfile, MaxUncompressedSize)
	}
	return raw, nil
}

// recognize rejects common wrong inputs with a message that says what they
// are, instead of the pprof library's generic "unrecognized profile format".
func recognize(raw []byte) error {
	head := bytes.TrimLeft(raw[:min(len(raw), 512)], " \t\r\n\ufeff")
	switch {
	case len(head) == 0:
		return fmt.Errorf("%w: the data is blank", ErrNotProfile)
	case head[0] == '<':
		return fmt.Errorf("%w: the data is an HTML or XML page (an index or error page fetched instead of a profile?)", ErrNotProfile)
	case head[0] == '{' || head[0] == '[':
		return fmt.Errorf("%w: the data is JSON", ErrNotProfile)
	case bytes.HasPrefix(head, []byte("goroutine ")) && !bytes.HasPrefix(head, []byte("goroutine profile:")):
		return fmt.Errorf("%w: the data is a goroutine dump (debug=2 or a traceback); read it as a goroutine dump instead", ErrNotProfile)
	}
	return nil
}
