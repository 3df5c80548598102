package profiles

import (
	"regexp"

	"github.com/google/pprof/profile"
)

// locationFrames holds, for every location of a profile, the frames it
// contributes to the stacks through it: name ids, the outermost (caller)
// line first, without hidden lines. Frames after a location's first were
// inlined into it. They are stored back to back for locality, as the
// walk over samples reads them once per frame.
type locationFrames struct {
	start  []int32
	frames []int32
	// marks are pprof's -focus and -ignore marks, computed before hiding.
	marks []uint8
}

const (
	markFocused uint8 = 1 << iota
	markIgnored
)

// of returns a location's frames; none when -hide removed every line.
func (t *locationFrames) of(i int32) []int32 { return t.frames[t.start[i]:t.start[i+1]] }

// walker visits the samples of one profile that pass the options, with
// each sample's locations resolved to frames.
type walker struct {
	p          *profile.Profile
	opts       *compiledOptions
	valueIndex int
	sampleType SampleType
	locs       locationFrames
	byID       []int32
	byPointer  map[*profile.Location]int32
	buf        []int32
}

func newWalker(p *profile.Profile, opts *compiledOptions, sampleType string, names *nameTable) (*walker, error) {
	idx, st, err := sampleIndex(p, sampleType)
	if err != nil {
		return nil, err
	}
	w := &walker{p: p, opts: opts, valueIndex: idx, sampleType: st}
	w.indexLocations()
	namer := newFrameNamer(names, opts.ByLine)
	w.locs = locationFrames{
		start:  make([]int32, 1, len(p.Location)+1),
		frames: make([]int32, 0, len(p.Location)+len(p.Location)/4),
		marks:  make([]uint8, len(p.Location)),
	}
	for i, loc := range p.Location {
		w.locs.marks[i] = describeLocation(&w.locs, loc, opts, namer)
		w.locs.start = append(w.locs.start, int32(len(w.locs.frames)))
	}
	return w, nil
}

// indexLocations maps location ids to positions in p.Location, with a
// slice when ids are dense (as the Go runtime writes them) and a map
// otherwise.
func (w *walker) indexLocations() {
	maxID := uint64(0)
	for _, loc := range w.p.Location {
		maxID = max(maxID, loc.ID)
	}
	if maxID <= uint64(4*len(w.p.Location)+16) {
		w.byID = make([]int32, maxID+1)
		for i := range w.byID {
			w.byID[i] = -1
		}
		unique := true
		for i, loc := range w.p.Location {
			if loc.ID == 0 || w.byID[loc.ID] != -1 {
				unique = false
				break
			}
			w.byID[loc.ID] = int32(i)
		}
		if unique {
			return
		}
		w.byID = nil
	}
	w.byPointer = make(map[*profile.Location]int32, len(w.p.Location))
	for i, loc := range w.p.Location {
		w.byPointer[loc] = int32(i)
	}
}

// location returns the index of a sample's location, or -1 for a location
// missing from the profile's list (which a valid profile does not have).
// Location ids were checked unique, and the pprof library links samples to
// locations by id, so the id alone identifies the location.
func (w *walker) location(loc *profile.Location) int32 {
	if w.byID != nil {
		if loc.ID < uint64(len(w.byID)) {
			return w.byID[loc.ID]
		}
		return -1
	}
	if i, ok := w.byPointer[loc]; ok {
		return i
	}
	return -1
}

// describeLocation appends a location's frames to t and returns its marks.
func describeLocation(t *locationFrames, loc *profile.Location, opts *compiledOptions, namer *frameNamer) uint8 {
	var marks uint8
	switch {
	case opts.ignore != nil && matchesName(loc, opts.ignore):
		marks = markIgnored
	case opts.focus == nil || matchesName(loc, opts.focus):
		marks = markFocused
	}
	if opts.hide != nil && loc.Mapping != nil && opts.hide.MatchString(loc.Mapping.File) {
		return marks
	}
	if len(loc.Line) == 0 {
		// Code without symbols is one frame named after its binary.
		t.frames = append(t.frames, namer.frame(loc, profile.Line{}))
		return marks
	}
	for k := len(loc.Line) - 1; k >= 0; k-- {
		ln := loc.Line[k]
		if opts.hide != nil && ln.Function != nil && matchesFunction(ln.Function, opts.hide) {
			continue
		}
		t.frames = append(t.frames, namer.frame(loc, ln))
	}
	return marks
}

// matchesName is pprof's test of a location against -focus, -ignore and
// -hide: any function or file name of its lines, or its binary.
func matchesName(loc *profile.Location, re *regexp.Regexp) bool {
	for _, ln := range loc.Line {
		if ln.Function != nil && matchesFunction(ln.Function, re) {
			return true
		}
	}
	return loc.Mapping != nil && re.MatchString(loc.Mapping.File)
}

func matchesFunction(f *profile.Function, re *regexp.Regexp) bool {
	return re.MatchString(f.Name) || re.MatchString(f.Filename)
}

// each calls visit for every sample with a non-zero value that passes the
// label filter and pprof's focus, ignore and hide, with the indexes of its
// remaining locations, leaf first as in the profile.
func (w *walker) each(visit func(s *profile.Sample, value int64, locs []int32)) {
	names := w.opts.filtersNames()
	for _, s := range w.p.Sample {
		v, ok := w.value(s)
		if !ok {
			continue
		}
		locs := w.buf[:0]
		focused := false
		ignored := false
		for _, loc := range s.Location {
			i := w.location(loc)
			if i < 0 {
				continue
			}
			marks := w.locs.marks[i]
			if marks&markIgnored != 0 {
				ignored = true
				break
			}
			focused = focused || marks&markFocused != 0
			if w.locs.start[i+1] > w.locs.start[i] {
				locs = append(locs, i)
			}
		}
		w.buf = locs
		if names && (ignored || !focused || len(locs) == 0) {
			continue
		}
		visit(s, v, locs)
	}
}

// eachStack appends to *frames, for every sample each would visit, the
// frame lead returns for it (when lead is set) and then the sample's
// frames, root first; then it calls done with the sample, its value and
// where its frames start. Without focus, ignore or hide there is nothing
// to decide before the frames are known, so it reads each sample once.
func (w *walker) eachStack(frames *[]int32, lead func(*profile.Sample) int32, done func(s *profile.Sample, value int64, start int)) {
	buf := *frames
	if w.opts.filtersNames() {
		w.each(func(s *profile.Sample, v int64, locs []int32) {
			start := len(buf)
			if lead != nil {
				buf = append(buf, lead(s))
			}
			for i := len(locs) - 1; i >= 0; i-- {
				buf = append(buf, w.locs.of(locs[i])...)
			}
			*frames = buf
			done(s, v, start)
		})
		return
	}
	for _, s := range w.p.Sample {
		v, ok := w.value(s)
		if !ok {
			continue
		}
		start := len(buf)
		if lead != nil {
			buf = append(buf, lead(s))
		}
		for j := len(s.Location) - 1; j >= 0; j-- {
			i := w.location(s.Location[j])
			if i < 0 {
				continue
			}
			if fr := w.locs.of(i); len(fr) == 1 {
				buf = append(buf, fr[0])
			} else {
				buf = append(buf, fr...)
			}
		}
		*frames = buf
		done(s, v, start)
	}
	*frames = buf
}

// value returns a sample's value, and whether the sample counts: a
// non-zero value (pprof skips the others) and labels that pass the filter.
func (w *walker) value(s *profile.Sample) (int64, bool) {
	v := s.Value[w.valueIndex]
	return v, v != 0 && w.keepLabels(s)
}

func (w *walker) keepLabels(s *profile.Sample) bool {
	for _, m := range w.opts.labels {
		if !m.matches(s) {
			return false
		}
	}
	return true
}
