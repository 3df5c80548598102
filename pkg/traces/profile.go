package traces

import (
	"github.com/google/pprof/profile"
)

// KindLabel is the pprof label that says which kind a sample of a profile
// of several kinds is.
const KindLabel = "kind"

// Profile returns the blocking time of the given kinds as a pprof profile
// shaped like `go tool trace -pprof` output: one sample per stack and kind
// with values contentions (intervals) and delay (nanoseconds), functions
// per file and name, locations per PC. Each sample carries its kind as the
// pprof label KindLabel, so a profile of several kinds can be split by it.
func (r *Result) Profile(kinds ...Kind) *profile.Profile {
	p := &profile.Profile{
		PeriodType: &profile.ValueType{Type: "trace", Unit: "count"},
		Period:     1,
		SampleType: []*profile.ValueType{
			{Type: "contentions", Unit: "count"},
			{Type: "delay", Unit: "nanoseconds"},
		},
		DefaultSampleType: "delay",
		DurationNanos:     r.End - r.Start,
	}
	locs := make(map[uint64]*profile.Location)
	funcs := make(map[[2]string]*profile.Function)
	location := func(f Frame) *profile.Location {
		if loc := locs[f.PC]; loc != nil {
			return loc
		}
		fn := funcs[[2]string{f.File, f.Function}]
		if fn == nil {
			fn = &profile.Function{ID: uint64(len(p.Function) + 1), Name: f.Function, SystemName: f.Function, Filename: f.File}
			p.Function = append(p.Function, fn)
			funcs[[2]string{f.File, f.Function}] = fn
		}
		loc := &profile.Location{ID: uint64(len(p.Location) + 1), Address: f.PC, Line: []profile.Line{{Function: fn, Line: int64(f.Line)}}}
		p.Location = append(p.Location, loc)
		locs[f.PC] = loc
		return loc
	}
	for _, k := range kinds {
		for _, b := range r.Blocking[k] {
			frames := r.Stacks.Frames(b.Stack)
			s := &profile.Sample{
				Value:    []int64{b.Count, b.Nanos},
				Location: make([]*profile.Location, len(frames)),
				Label:    map[string][]string{KindLabel: {k.String()}},
			}
			for i, f := range frames {
				s.Location[i] = location(f)
			}
			p.Sample = append(p.Sample, s)
		}
	}
	return p
}
