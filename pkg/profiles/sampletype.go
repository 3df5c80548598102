package profiles

import (
	"fmt"
	"slices"

	"github.com/google/pprof/profile"
)

// SampleType is one of the values every sample of a profile carries.
type SampleType struct {
	// Name is pprof's type name, such as "inuse_space" or "delay".
	Name string
	// Unit is pprof's unit, such as "bytes", "nanoseconds" or "count".
	Unit string
}

// GrafanaUnit returns the Grafana unit id for the sample type's values.
func (t SampleType) GrafanaUnit() string { return GrafanaUnit(t.Unit) }

// SampleTypes lists the sample types of a profile in its own order.
func SampleTypes(p *profile.Profile) []SampleType {
	out := make([]SampleType, len(p.SampleType))
	for i, st := range p.SampleType {
		out[i] = SampleType{Name: st.Type, Unit: st.Unit}
	}
	return out
}

// preferredSampleTypes are, per profile type as named by net/http/pprof,
// the sample types to show by default, best first. "space" and "objects"
// are what the pprof library names heap text without allocation data.
var preferredSampleTypes = map[string][]string{
	"heap":          {"inuse_space", "space"},
	"allocs":        {"alloc_space", "space"},
	"cpu":           {"cpu", "samples"},
	"profile":       {"cpu", "samples"},
	"block":         {"delay", "contentions"},
	"mutex":         {"delay", "contentions"},
	"goroutine":     {"goroutine"},
	"goroutineleak": {"goroutineleak", "goroutine"},
	"threadcreate":  {"threadcreate", "thread"},
}

// DefaultSampleType returns the sample type to show for a profile fetched
// as profileType (a net/http/pprof name such as "heap", "allocs" or
// "block"; "cpu" and "profile" both name the CPU profile). With an unknown
// or empty profileType it falls back to what pprof shows by default: the
// profile's own default sample type, else its last one.
func DefaultSampleType(profileType string, p *profile.Profile) string {
	for _, name := range preferredSampleTypes[profileType] {
		if hasSampleType(p, name) {
			return name
		}
	}
	i, err := p.SampleIndexByName("")
	if err != nil || i < 0 || i >= len(p.SampleType) {
		return ""
	}
	return p.SampleType[i].Type
}

func hasSampleType(p *profile.Profile, name string) bool {
	return slices.ContainsFunc(p.SampleType, func(t *profile.ValueType) bool { return t.Type == name })
}

// sampleIndex resolves a sample type name the way `go tool pprof
// -sample_index` does: empty means the profile's default, an index is
// accepted, and "inuse_" may be left out for legacy heap profiles.
func sampleIndex(p *profile.Profile, name string) (int, SampleType, error) {
	i, err := p.SampleIndexByName(name)
	if err != nil {
		return 0, SampleType{}, fmt.Errorf("sample type: %w", err)
	}
	if i < 0 || i >= len(p.SampleType) {
		return 0, SampleType{}, fmt.Errorf("sample type %q: the profile has %d sample types", name, len(p.SampleType))
	}
	st := p.SampleType[i]
	return i, SampleType{Name: st.Type, Unit: st.Unit}, nil
}

// GrafanaUnit maps a pprof unit to the Grafana unit id that formats it.
func GrafanaUnit(pprofUnit string) string {
	switch pprofUnit {
	case "bytes", "byte":
		return "bytes"
	case "nanoseconds", "nanosecond", "ns":
		return "ns"
	case "microseconds", "microsecond", "us":
		return "µs"
	case "milliseconds", "millisecond", "ms":
		return "ms"
	case "seconds", "second", "s":
		return "s"
	default:
		return "short"
	}
}
