package goroutines

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// ParseProtobuf reads a pprof protobuf goroutine profile (gzipped or not),
// as served by /debug/pprof/goroutine without debug. Each sample becomes a
// Goroutine with the sample's count and labels; states are not in the
// format. The data passes dumpformat's gate and bounds (see Parse).
func ParseProtobuf(data []byte, lim dumpformat.Limits) (*Snapshot, error) {
	data, _, err := dumpformat.Decode(data, lim)
	if err != nil {
		return nil, err
	}
	prof, cut, err := dumpformat.ParsePprof(data, lim)
	switch {
	case dumpformat.IsLimitError(err):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("protobuf profile: %w", err)
	}
	name := ""
	if len(prof.SampleType) > 0 {
		name = prof.SampleType[0].Type
	}
	if name != "goroutine" && name != "goroutineleak" {
		return nil, fmt.Errorf("%w: protobuf profile of %q samples", ErrNotGoroutineProfile, name)
	}
	t := newTable()
	s := &Snapshot{Format: FormatProtobuf, Profile: name, Goroutines: make([]Goroutine, 0, len(prof.Sample)), CutStacks: cut}
	var refs []frameRef
	for _, sample := range prof.Sample {
		if len(sample.Value) == 0 || sample.Value[0] <= 0 {
			continue
		}
		g := Goroutine{Count: int(sample.Value[0]), Leaked: name == "goroutineleak", Labels: sampleLabels(sample)}
		refs = sampleFrames(t, refs[:0], sample)
		g.Stack = t.stack(refs, noFrame, 0, 0)
		s.Goroutines = append(s.Goroutines, g)
		s.Total += g.Count
	}
	return s, nil
}

// sampleFrames lists a sample's frames, innermost first, leaving out
// runtime.goexit and the runtime frames on top of the stack as the debug=1
// text of the same profile does, so both formats group alike.
func sampleFrames(t *table, refs []frameRef, sample *profile.Sample) []frameRef {
	for _, loc := range sample.Location {
		if len(loc.Line) == 0 {
			refs = append(refs, frameRef{fn: t.fnString("0x" + strconv.FormatUint(loc.Address, 16)), file: t.fileString("")})
			continue
		}
		for i, line := range loc.Line {
			ref := frameRef{fn: t.fnString(""), file: t.fileString(""), line: int32(line.Line), inlined: i < len(loc.Line)-1}
			if line.Function != nil {
				ref.fn, ref.file = t.fnString(line.Function.Name), t.fileString(line.Function.Filename)
			}
			refs = append(refs, ref)
		}
	}
	refs = slices.DeleteFunc(refs, func(r frameRef) bool { return t.funcNames[r.fn] == "runtime.goexit" })
	top := 0
	for top < len(refs) && isRuntimeFunc(t.funcNames[refs[top].fn]) {
		top++
	}
	if top == len(refs) {
		return refs
	}
	return append(refs[:0], refs[top:]...)
}

func isRuntimeFunc(name string) bool {
	return strings.HasPrefix(name, "runtime.") || strings.HasPrefix(name, "internal/runtime/")
}

func sampleLabels(sample *profile.Sample) Labels {
	if len(sample.Label) == 0 {
		return nil
	}
	l := make(Labels, 0, len(sample.Label))
	for k, vs := range sample.Label {
		l = append(l, Label{Key: k, Value: strings.Join(vs, ",")})
	}
	slices.SortFunc(l, func(a, b Label) int { return strings.Compare(a.Key, b.Key) })
	return l
}
