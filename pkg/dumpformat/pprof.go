package dumpformat

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// detectPprof recognises an uncompressed pprof protobuf profile and names the
// runtime profile it holds from its sample types. Its error is a
// *BoundError: the data is a profile too large to read.
func detectPprof(name string, data []byte, lim Limits) (Detection, bool, error) {
	p, _, err := ParsePprof(data, lim)
	if IsLimitError(err) {
		return Detection{}, false, err
	}
	if err != nil || len(p.SampleType) == 0 {
		return Detection{}, false, nil
	}
	types := make([]string, len(p.SampleType))
	for i, st := range p.SampleType {
		types[i] = st.Type + "/" + st.Unit
	}
	d := Detection{Format: pprofFormat(name, p, types), Detail: "sample types: " + strings.Join(types, ", ")}
	if p.TimeNanos > 0 {
		d.CapturedAt = time.Unix(0, p.TimeNanos).UTC()
	}
	return d, true, nil
}

func pprofFormat(name string, p *profile.Profile, types []string) Format {
	has := func(t string) bool { return slices.Contains(types, t) }
	switch {
	case len(types) == 1 && has("goroutine/count"):
		return PprofGoroutine
	case len(types) == 1 && has("goroutineleak/count"):
		return PprofGoroutineLeak
	case len(types) == 1 && has("threadcreate/count"):
		return PprofThreadcreate
	case has("inuse_space/bytes") || has("alloc_space/bytes"):
		if strings.HasPrefix(p.DefaultSampleType, "alloc_") {
			return PprofAllocs
		}
		return PprofHeap
	case has("cpu/nanoseconds") || (p.PeriodType != nil && p.PeriodType.Type == "cpu"):
		return PprofCPU
	case has("contentions/count") && has("delay/nanoseconds"):
		return contentionFormat(name, p)
	}
	return PprofOther
}

// unlockFunction matches runtime.unlock, sync.(*Mutex).Unlock,
// sync.(*RWMutex).RUnlock and the like.
var unlockFunction = regexp.MustCompile(`\.(?:R?Unlock|unlock)`)

// contentionFormat tells a mutex profile from a block profile. The runtime
// records mutex contention when the holder unlocks, so those stacks end in
// an unlock; block events are recorded in the blocking call (channel
// operation, select, Lock, Wait).
func contentionFormat(name string, p *profile.Profile) Format {
	unlocks, samples := 0, 0
	for _, s := range p.Sample {
		if len(s.Location) == 0 {
			continue
		}
		samples++
		if endsInUnlock(s) {
			unlocks++
		}
	}
	if samples > 0 {
		if unlocks*2 > samples {
			return PprofMutex
		}
		return PprofBlock
	}
	lower := strings.ToLower(name)
	switch {
	case strings.Contains(lower, "mutex"):
		return PprofMutex
	case strings.Contains(lower, "block"):
		return PprofBlock
	}
	return PprofContention
}

// endsInUnlock looks at the innermost few functions of a sample: the unlock
// may sit below a runtime helper or be inlined into its caller.
func endsInUnlock(s *profile.Sample) bool {
	const depth = 3
	seen := 0
	for _, loc := range s.Location {
		for _, line := range loc.Line {
			if line.Function != nil && unlockFunction.MatchString(line.Function.Name) {
				return true
			}
			seen++
			if seen == depth {
				return false
			}
		}
	}
	return false
}
