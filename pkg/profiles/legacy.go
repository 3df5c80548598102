package profiles

import (
	"bufio"
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"
)

// legacyStack is one stack of a debug=1 text profile as the Go runtime
// prints it: the return addresses of the "@" line, the labels line and the
// frames of the "#" comment lines.
type legacyStack struct {
	addrs  []uint64
	labels map[string][]string
	frames []legacyFrame
	// omitted marks the addresses the runtime printed no frame for.
	omitted []bool
}

// legacyFrame is one "#" line: the frame's PC, which is its return address
// minus one, and where it is, if the runtime knew.
type legacyFrame struct {
	pc       uint64
	function string
	file     string
	line     int64
}

// mutexPeriodLine matches the sampling period the runtime prints for the
// mutex profile.
var mutexPeriodLine = regexp.MustCompile(`(?m)^sampling period=\d+$`)

// legacyTextHeader matches the first line of the debug=1 text formats.
var legacyTextHeader = regexp.MustCompile(`\A[ \t\r\n]*(?:\S+ profile: |--- (?:contention|mutex))`)

// isLegacyText reports whether data is debug=1 text rather than protobuf.
func isLegacyText(raw []byte) bool { return legacyTextHeader.Match(raw[:min(len(raw), 256)]) }

// countProfileHeader and emptyStackLine match the text of goroutine,
// threadcreate and goroutine leak profiles, and a stack with no frames in
// it, which Go before 1.23 prints for threads whose creation stack was not
// recorded ("197 @", see StackNotRecorded) and the pprof library rejects.
var (
	countProfileHeader = regexp.MustCompile(`\A\S+ profile: total \d+\r?\n`)
	emptyStackLine     = regexp.MustCompile(`(?m)^(\d+) @[ \t]*$`)
)

// emptyStackMarker replaces an empty stack; after the pprof library's -1
// its address is 0, which no real return address becomes.
const emptyStackMarker = "${1} @ 0x1"

// markEmptyStacks makes count profile text with empty stacks readable by
// the pprof library; Parse drops the marks afterwards with the padding.
func markEmptyStacks(raw []byte) []byte {
	if !countProfileHeader.Match(raw) {
		return raw
	}
	return emptyStackLine.ReplaceAll(raw, []byte(emptyStackMarker))
}

// neutralizeMutexPeriod rewrites the sampling period of mutex text to 1.
// The Go runtime scales mutex records by the sampling fraction itself
// (runtime/mprof.go); the pprof library scales them again by the printed
// period, or, when profiling was off at capture time (period 0), leaves
// delays in CPU cycles.
func neutralizeMutexPeriod(raw []byte) []byte {
	if !bytes.HasPrefix(bytes.TrimLeft(raw, " \t\r\n"), []byte("--- mutex:")) {
		return raw
	}
	return mutexPeriodLine.ReplaceAll(raw, []byte("sampling period=1"))
}

// symbolizeLegacyText gives the locations of a profile parsed from debug=1
// text the functions, files and lines the runtime printed in "#" comments,
// and the samples of goroutine profiles their labels.
//
// The runtime omits from the comments the runtime frames at the leaf end of
// heap, goroutine and threadcreate stacks, and runtime.goexit at the root
// end of every stack (which the protobuf encoding drops as well). Frames
// the runtime omitted are dropped from the samples; addresses of zero,
// which pad threadcreate stacks in both encodings, are left to Parse,
// which drops them from either.
func symbolizeLegacyText(p *profile.Profile, raw []byte) {
	stacks := readLegacyStacks(raw)
	if len(stacks) == 0 {
		return
	}
	s := newLegacySymbolizer(p)
	for i := range stacks {
		s.learn(&stacks[i])
	}
	s.apply()
	if len(stacks) != len(p.Sample) {
		return
	}
	for i, st := range stacks {
		sample := p.Sample[i]
		if len(st.labels) > 0 {
			sample.Label = st.labels
		}
		if len(sample.Location) == len(st.omitted) {
			sample.Location = dropOmitted(sample.Location, st.omitted)
		}
	}
}

// dropOmitted removes the locations the runtime printed no frame for,
// unless it printed none at all.
func dropOmitted(locs []*profile.Location, omitted []bool) []*profile.Location {
	if !slices.Contains(omitted, false) {
		return locs
	}
	kept := locs[:0]
	for i, loc := range locs {
		if !omitted[i] {
			kept = append(kept, loc)
		}
	}
	return kept
}

func readLegacyStacks(raw []byte) []legacyStack {
	var stacks []legacyStack
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		header := first
		first = false
		switch {
		case strings.HasPrefix(line, "# labels: "):
			if n := len(stacks); n > 0 {
				stacks[n-1].labels = parseLegacyLabels(strings.TrimPrefix(line, "# labels: "))
			}
		case strings.HasPrefix(line, "#"):
			if f, ok := parseLegacyFrame(line); ok && len(stacks) > 0 {
				st := &stacks[len(stacks)-1]
				st.frames = append(st.frames, f)
			}
		case !header:
			if addrs, ok := parseStackLine(line); ok {
				stacks = append(stacks, legacyStack{addrs: addrs})
			}
		}
	}
	return stacks
}

// parseStackLine reads the addresses after " @ " on a sample line, adjusted
// by -1 like the pprof library adjusts them.
func parseStackLine(line string) ([]uint64, bool) {
	_, list, ok := strings.Cut(line, " @ ")
	if !ok {
		return nil, false
	}
	fields := strings.Fields(list)
	addrs := make([]uint64, 0, len(fields))
	for _, f := range fields {
		a, err := strconv.ParseUint(f, 0, 64)
		if err != nil {
			return nil, false
		}
		addrs = append(addrs, a-1)
	}
	return addrs, len(addrs) > 0
}

// parseLegacyFrame reads "#\t0xPC\tfunc+0xOFF\tfile:line" (or "#\t0xPC"
// when the runtime had no symbol).
func parseLegacyFrame(line string) (legacyFrame, bool) {
	fields := strings.FieldsFunc(line, func(r rune) bool { return r == '\t' })
	if len(fields) < 2 || fields[0] != "#" {
		return legacyFrame{}, false
	}
	pc, err := strconv.ParseUint(strings.TrimSpace(fields[1]), 0, 64)
	if err != nil {
		return legacyFrame{}, false
	}
	f := legacyFrame{pc: pc}
	if len(fields) >= 3 {
		f.function = strings.TrimSpace(fields[2])
		if i := strings.LastIndex(f.function, "+0x"); i > 0 {
			f.function = f.function[:i]
		}
	}
	if len(fields) >= 4 {
		loc := strings.TrimSpace(fields[3])
		if i := strings.LastIndexByte(loc, ':'); i > 0 {
			if n, err := strconv.ParseInt(loc[i+1:], 10, 64); err == nil {
				f.file, f.line = loc[:i], n
			}
		}
		if f.file == "" {
			f.file = loc
		}
	}
	return f, true
}

// parseLegacyLabels reads {"k":"v", "k2":"v2"}, keys and values quoted as
// Go string literals.
func parseLegacyLabels(s string) map[string][]string {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	labels := map[string][]string{}
	for s != "" {
		key, rest, ok := unquotePrefix(strings.TrimLeft(s, " ,"))
		if !ok || !strings.HasPrefix(rest, ":") {
			break
		}
		val, rest, ok := unquotePrefix(rest[1:])
		if !ok {
			break
		}
		labels[key] = append(labels[key], val)
		s = rest
	}
	return labels
}

func unquotePrefix(s string) (value, rest string, ok bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", s, false
	}
	v, err := strconv.Unquote(q)
	if err != nil {
		return "", s, false
	}
	return v, s[len(q):], true
}

// legacySymbolizer collects, address by address, the frames the runtime
// printed, then rewrites the profile's locations with them.
type legacySymbolizer struct {
	p         *profile.Profile
	chains    map[uint64][]legacyFrame
	functions map[[2]string]*profile.Function
}

// zeroAddress is a zero return address after the pprof library's -1.
const zeroAddress = ^uint64(0)

func newLegacySymbolizer(p *profile.Profile) *legacySymbolizer {
	return &legacySymbolizer{
		p:         p,
		chains:    map[uint64][]legacyFrame{},
		functions: map[[2]string]*profile.Function{},
	}
}

// learn aligns a stack's "#" frames with its addresses, and marks the
// addresses left without one. Inlined calls print several frames for one
// address; a run of equal addresses (recursion at one call site) shares the
// frames printed for it evenly.
func (s *legacySymbolizer) learn(st *legacyStack) {
	st.omitted = make([]bool, len(st.addrs))
	if len(st.frames) == 0 {
		return
	}
	i := 0
	for ; i < len(st.addrs) && st.addrs[i] != st.frames[0].pc; i++ {
		st.omitted[i] = true
	}
	j := 0
	for i < len(st.addrs) {
		addr := st.addrs[i]
		run := 1
		for i+run < len(st.addrs) && st.addrs[i+run] == addr {
			run++
		}
		printed := 0
		for j+printed < len(st.frames) && st.frames[j+printed].pc == addr {
			printed++
		}
		switch {
		case printed > 0:
			per := printed
			if printed%run == 0 {
				per = printed / run
			}
			if _, known := s.chains[addr]; !known && st.frames[j].function != "" {
				s.chains[addr] = st.frames[j : j+per]
			}
		case addr != zeroAddress:
			for k := i; k < i+run; k++ {
				st.omitted[k] = true
			}
		}
		i += run
		j += printed
	}
}

func (s *legacySymbolizer) function(name, file string) *profile.Function {
	key := [2]string{name, file}
	if f, ok := s.functions[key]; ok {
		return f
	}
	f := &profile.Function{ID: uint64(len(s.p.Function) + 1), Name: name, SystemName: name, Filename: file}
	s.p.Function = append(s.p.Function, f)
	s.functions[key] = f
	return f
}

func (s *legacySymbolizer) apply() {
	for _, loc := range s.p.Location {
		chain, ok := s.chains[loc.Address]
		if !ok {
			continue
		}
		loc.Line = make([]profile.Line, len(chain))
		for k, f := range chain {
			loc.Line[k] = profile.Line{Function: s.function(f.function, f.file), Line: f.line}
		}
	}
}
