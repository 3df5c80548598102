package profiles

import (
	"slices"

	"github.com/google/pprof/profile"
)

// StackNotRecorded labels the node, and the top row, that stands for the
// samples the runtime recorded without a stack.
//
// Most of them are in threadcreate profiles: the runtime records the stack
// that created a thread only when a goroutine starts it on its own stack
// (runtime.LockOSThread through the template thread, for instance); the
// scheduler starts most threads from its system stack and records nothing
// (runtime.mcommoninit; golang.org/issue/6104).
const StackNotRecorded = "<stack not recorded>"

// isPadding reports a location that is not a frame: a zero return address
// without a function name. Since Go 1.23 the runtime writes a threadcreate
// record's 32-entry stack whole, zeros included, in both encodings (as
// 0xffffffffffffffff, zero minus one, with one nameless line in protobuf),
// and Parse marks the empty stacks of text profiles with a zero address.
func isPadding(l *profile.Location) bool {
	if l.Address != 0 && l.Address != zeroAddress {
		return false
	}
	for _, ln := range l.Line {
		if ln.Function != nil && ln.Function.Name != "" {
			return false
		}
	}
	return true
}

// dropPadding removes the locations that are not frames from the profile
// and its samples, so a stack of nothing but padding is empty, as the
// runtime before Go 1.23 wrote it.
func dropPadding(p *profile.Profile) {
	if !slices.ContainsFunc(p.Location, isPadding) {
		return
	}
	for _, s := range p.Sample {
		s.Location = slices.DeleteFunc(s.Location, isPadding)
	}
	p.Location = slices.DeleteFunc(p.Location, isPadding)
}
