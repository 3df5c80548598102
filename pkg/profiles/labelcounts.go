package profiles

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
)

// LabelTotals are the values of a profile summed per value of one pprof
// label, for example goroutines per "handler".
type LabelTotals struct {
	Key        string
	SampleType SampleType
	// Counts are sorted by total, largest first, then by value.
	Counts []LabelCount
	// Total is the sum over all counts.
	Total int64
}

// LabelCount is the total of the samples with one value of the label.
type LabelCount struct {
	Value string
	// Present is false for the samples without the label (Value is then
	// empty).
	Present bool
	Total   int64
	// Samples is how many profile samples were summed.
	Samples int
}

// LabelCounts sums the sample values of a profile per value of the label
// Options.GroupBy, after the options' filters.
func LabelCounts(p *profile.Profile, opts Options) (*LabelTotals, error) {
	if opts.GroupBy == "" {
		return nil, errors.New("label counts need a label to group by")
	}
	c, err := compileOptions(opts)
	if err != nil {
		return nil, err
	}
	w, err := newWalker(p, c, opts.SampleType, newNameTable())
	if err != nil {
		return nil, err
	}
	type key struct {
		value   string
		present bool
	}
	index := map[key]int{}
	out := &LabelTotals{Key: opts.GroupBy, SampleType: w.sampleType}
	w.each(func(s *profile.Sample, v int64, _ []int32) {
		value, present := labelValue(s, opts.GroupBy)
		k := key{value, present}
		i, ok := index[k]
		if !ok {
			i = len(out.Counts)
			index[k] = i
			out.Counts = append(out.Counts, LabelCount{Value: value, Present: present})
		}
		out.Counts[i].Total += v
		out.Counts[i].Samples++
		out.Total += v
	})
	slices.SortFunc(out.Counts, func(x, y LabelCount) int {
		if c := cmp.Compare(y.Total, x.Total); c != 0 {
			return c
		}
		if x.Present != y.Present {
			if x.Present {
				return -1
			}
			return 1
		}
		return strings.Compare(x.Value, y.Value)
	})
	return out, nil
}

// LabelKeys lists the pprof label keys used by any sample, string and
// numeric, sorted.
func LabelKeys(p *profile.Profile) []string {
	seen := map[string]bool{}
	for _, s := range p.Sample {
		for k := range s.Label {
			seen[k] = true
		}
		for k := range s.NumLabel {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
