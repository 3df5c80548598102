package profiles

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// ErrNotProfile is wrapped by every error Parse returns for input that is
// not a pprof profile at all.
var ErrNotProfile = errors.New("not a pprof profile")

// Parse reads a pprof profile: protobuf, gzipped or not, or one of the
// legacy text formats (heap, allocs, block, mutex, threadcreate and
// goroutine at debug=1). Legacy text is symbolized from the runtime's
// comment lines, which the pprof library itself ignores.
//
// Gzip is undone by dumpformat.Decode, and what the profile decodes to is
// bounded by lim before it is decoded: beyond a bound Parse fails with the
// gate's error (*dumpformat.LimitError, dumpformat.ErrNestedGzip or
// *dumpformat.BoundError). Stacks deeper than dumpformat.MaxStackDepth
// frames are cut to their innermost frames; the cut says how many were.
func Parse(data []byte, lim dumpformat.Limits) (*profile.Profile, dumpformat.StackCut, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, dumpformat.StackCut{}, fmt.Errorf("%w: the data is empty", ErrNotProfile)
	}
	raw, _, err := dumpformat.Decode(data, lim)
	switch {
	case dumpformat.IsLimitError(err), errors.Is(err, dumpformat.ErrNestedGzip):
		return nil, dumpformat.StackCut{}, err
	case err != nil:
		return nil, dumpformat.StackCut{}, fmt.Errorf("%w: %v", ErrNotProfile, err)
	}
	if err := recognize(raw); err != nil {
		return nil, dumpformat.StackCut{}, err
	}
	var p *profile.Profile
	var cut dumpformat.StackCut
	if isLegacyText(raw) {
		p, cut, err = parseLegacyText(raw, lim)
	} else {
		p, cut, err = dumpformat.ParsePprof(raw, lim)
	}
	switch {
	case dumpformat.IsLimitError(err):
		return nil, cut, err
	case err != nil:
		return nil, cut, fmt.Errorf("%w: %v", ErrNotProfile, err)
	case len(p.SampleType) == 0:
		return nil, cut, fmt.Errorf("%w: the profile has no sample types", ErrNotProfile)
	}
	dropPadding(p)
	return p, cut, nil
}

// parseLegacyText reads debug=1 text within lim. The pprof library's text
// reader is given text whose stack lines were cut to fit (see
// boundLegacyText); it tries the text as protobuf first, which is bounded
// too.
func parseLegacyText(raw []byte, lim dumpformat.Limits) (*profile.Profile, dumpformat.StackCut, error) {
	text, cut, err := boundLegacyText(raw, lim)
	if err != nil {
		return nil, cut, err
	}
	text = markEmptyStacks(neutralizeMutexPeriod(text))
	if err := dumpformat.CheckPprofBounds(text, lim); err != nil {
		return nil, cut, err
	}
	p, err := profile.ParseData(text)
	if err != nil {
		return nil, cut, err
	}
	// The pprof library leaves the legacy text formats without functions;
	// their names are in the comment lines.
	symbolizeLegacyText(p, text)
	inlined, err := dumpformat.BoundStacks(p, lim)
	cut.Merge(inlined)
	return p, cut, err
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
