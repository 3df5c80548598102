package dumpformat

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/google/pprof/profile"
)

// ParsePprof decodes an uncompressed pprof protobuf profile within lim.
// google/pprof decodes everything before anything can be looked at, and a
// byte of packed location ids decodes to sixteen, so the wire format is
// counted first (samples, locations, functions, mappings, location ids and
// the other repeated entries), without allocating, and a profile beyond a
// bound is refused with a *BoundError before it is decoded. The decoded
// profile is checked for validity, and its stacks are bounded (see
// BoundStacks).
func ParsePprof(data []byte, lim Limits) (*profile.Profile, StackCut, error) {
	lim = lim.WithDefaults()
	counts, err := scanPprof(data)
	if err != nil {
		return nil, StackCut{}, err
	}
	if err := counts.check(lim); err != nil {
		return nil, StackCut{}, err
	}
	p, err := profile.ParseUncompressed(data)
	if err != nil {
		return nil, StackCut{}, err
	}
	if err := p.CheckValid(); err != nil {
		return nil, StackCut{}, fmt.Errorf("malformed profile: %w", err)
	}
	cut, err := BoundStacks(p, lim)
	if err != nil {
		return nil, cut, err
	}
	return p, cut, nil
}

// CheckPprofBounds counts what data would decode to as a pprof protobuf,
// up to where its wire format breaks (as far as a decoder would go), and
// returns a *BoundError beyond lim. It is for data that a decoder tries as
// protobuf before other formats.
func CheckPprofBounds(data []byte, lim Limits) error {
	counts, _ := scanPprof(data)
	return counts.check(lim.WithDefaults())
}

// pprofCounts is what a profile.proto message would decode to.
type pprofCounts struct {
	samples, locations, functions, mappings int
	// locationRefs are the location ids over all samples: one stack frame
	// each at least.
	locationRefs int
	// entries are the other repeated fields: sample types, sample values
	// and labels, location lines, strings and comments.
	entries int
}

func (c pprofCounts) check(lim Limits) error {
	for _, b := range []struct {
		what     string
		n, limit int
		setting  string
	}{
		{"samples", c.samples, lim.MaxSamples, settingSamples},
		{"locations", c.locations, lim.MaxLocations, settingLocations},
		{"functions", c.functions, lim.MaxLocations, settingLocations},
		{"mappings", c.mappings, lim.MaxLocations, settingLocations},
		{"stack frames", c.locationRefs, lim.MaxStackFrames, settingStackFrames},
		{"lines, values, labels and strings", c.entries, lim.MaxStackFrames, settingStackFrames},
	} {
		if err := checkCount(b.what, b.n, b.limit, b.setting); err != nil {
			return err
		}
	}
	return nil
}

// Field numbers of profile.proto.
const (
	profileSampleType = 1
	profileSample     = 2
	profileMapping    = 3
	profileLocation   = 4
	profileFunction   = 5
	profileString     = 6
	profileComment    = 13

	sampleLocationID = 1
	sampleValue      = 2
	sampleLabel      = 3

	locationLine = 4
)

// Protobuf wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

var errMalformedProtobuf = errors.New("malformed protobuf")

// scanPprof counts a profile's repeated fields (see pprofScanner); its
// error says where the wire format breaks, with the counts up to there.
func scanPprof(data []byte) (pprofCounts, error) {
	var s pprofScanner
	s.Write(data)
	s.Close()
	return s.counts, s.err
}

// pprofScanner counts the repeated fields of a profile.proto message the
// way google/pprof would decode them (packed and unpacked repeated numbers
// alike, unknown fields skipped; field number 0, which no encoder writes,
// is taken as broken) as its bytes stream by, so that data can
// be counted while it is decompressed, without being kept. It goes into
// samples and locations, the only messages whose fields it counts, and
// stops at the first broken field, which the decoder would reject as well.
type pprofScanner struct {
	counts pprofCounts
	err    error
	// inner is the field number of the sample or location being read,
	// 0 at the profile's own level; innerLeft is what is left of it.
	inner     uint64
	innerLeft int64
	// The field being read: its number and wire type, the varint being
	// read (tag, length or value) or the payload left to pass.
	step        scanStep
	field       uint64
	wire        int
	varint      uint64
	shift       uint
	payloadLeft int64
	// numbers counts the varints of a packed payload, when it is one.
	numbers *int
}

type scanStep uint8

const (
	stepTag scanStep = iota
	stepLength
	stepValue
	stepPayload
)

// Write counts p; its error is the scanner's first (a broken field).
func (s *pprofScanner) Write(p []byte) (int, error) {
	for len(p) > 0 && s.err == nil {
		if s.inner == 0 && s.step == stepTag && s.shift == 0 {
			if n := s.scanWhole(p); n > 0 {
				p = p[n:]
				continue
			}
		}
		if s.step == stepPayload {
			k := int(min(int64(len(p)), s.payloadLeft))
			if s.numbers != nil {
				*s.numbers += countVarints(p[:k])
			}
			s.payloadLeft -= int64(k)
			s.consume(k)
			p = p[k:]
			if s.payloadLeft == 0 {
				s.endField()
			}
			continue
		}
		var v uint64
		n := 0
		if s.shift == 0 {
			v, n = uvarint(p)
		}
		if n > 0 {
			p = p[n:]
			s.consume(n)
		} else {
			// A varint split between writes, or broken.
			var ok bool
			if v, ok = s.feedByte(p[0]); !ok {
				p = p[1:]
				continue
			}
			p = p[1:]
		}
		switch s.step {
		case stepTag:
			s.startField(v>>3, int(v&7))
		case stepLength:
			s.startPayload(v)
		case stepValue:
			s.endField()
		}
	}
	return len(p), s.err
}

// feedByte reads one byte of a varint; ok says it was the last.
func (s *pprofScanner) feedByte(b byte) (v uint64, ok bool) {
	s.consume(1)
	if s.shift > 63 {
		s.fail("bad varint")
		return 0, false
	}
	s.varint |= uint64(b&0x7f) << s.shift
	s.shift += 7
	if b >= 0x80 {
		return 0, false
	}
	v = s.varint
	s.varint, s.shift = 0, 0
	return v, true
}

// Close reports data that ends inside a field or a message.
func (s *pprofScanner) Close() error {
	if s.err == nil && (s.step != stepTag || s.inner != 0) {
		s.fail("truncated field")
	}
	return s.err
}

func (s *pprofScanner) consume(n int) {
	if s.inner != 0 {
		s.innerLeft -= int64(n)
		if s.innerLeft < 0 {
			s.fail("a field crosses the end of its message")
		}
	}
}

func (s *pprofScanner) fail(reason string) {
	s.err = fmt.Errorf("%w: %s", errMalformedProtobuf, reason)
}

// startField counts a field whose tag was read and prepares for its value.
func (s *pprofScanner) startField(field uint64, wire int) {
	if field == 0 {
		s.fail("field number 0")
		return
	}
	s.field, s.wire = field, wire
	var element *int
	element, s.numbers = s.counts.classify(s.inner, field)
	if element != nil {
		*element++
	}
	switch wire {
	case wireVarint:
		s.countOne()
		s.step = stepValue
	case wireFixed64, wireFixed32:
		s.countOne()
		size := uint64(8)
		if wire == wireFixed32 {
			size = 4
		}
		s.numbers = nil
		s.startPayload(size)
	case wireBytes:
		s.step = stepLength
	default:
		s.fail(fmt.Sprintf("unknown wire type %d", wire))
	}
}

// countOne counts an unpacked element of a repeated number.
func (s *pprofScanner) countOne() {
	if s.numbers != nil {
		*s.numbers++
	}
}

// startPayload goes into a sample or location, or passes a payload of n
// bytes, counting its varints when it is a packed run of numbers.
func (s *pprofScanner) startPayload(n uint64) {
	if n > math.MaxInt64/2 || s.inner != 0 && n > uint64(s.innerLeft) {
		s.fail("bad field length")
		return
	}
	if s.inner == 0 && s.wire == wireBytes && (s.field == profileSample || s.field == profileLocation) {
		s.inner, s.innerLeft = s.field, int64(n)
		s.endField()
		return
	}
	s.payloadLeft = int64(n)
	s.step = stepPayload
	if n == 0 {
		s.endField()
	}
}

func (s *pprofScanner) endField() {
	s.step = stepTag
	s.numbers = nil
	if s.inner != 0 && s.innerLeft == 0 {
		s.inner = 0
	}
}

// classify says how a field of message inner (0 for the profile itself)
// counts: as one more element, or as repeated numbers.
func (c *pprofCounts) classify(inner, field uint64) (element, numbers *int) {
	switch {
	case inner == 0 && (field == profileSampleType || field == profileString):
		return &c.entries, nil
	case inner == 0 && field == profileSample:
		return &c.samples, nil
	case inner == 0 && field == profileMapping:
		return &c.mappings, nil
	case inner == 0 && field == profileLocation:
		return &c.locations, nil
	case inner == 0 && field == profileFunction:
		return &c.functions, nil
	case inner == 0 && field == profileComment, inner == profileSample && field == sampleValue:
		return nil, &c.entries
	case inner == profileSample && field == sampleLocationID:
		return nil, &c.locationRefs
	case inner == profileSample && field == sampleLabel, inner == profileLocation && field == locationLine:
		return &c.entries, nil
	}
	return nil, nil
}

// scanWhole counts a field of the profile that p holds whole, and returns
// its length; 0 leaves it to the byte by byte reading, for a field that
// continues in the next write or for a broken one.
func (s *pprofScanner) scanWhole(p []byte) int {
	f := fields{data: p}
	if !f.next() || f.field == 0 {
		return 0
	}
	element, numbers := s.counts.classify(0, f.field)
	if element != nil {
		*element++
	}
	countNumbers(numbers, f.wire, f.payload)
	if f.wire == wireBytes && (f.field == profileSample || f.field == profileLocation) {
		inner := fields{data: f.payload}
		for inner.next() {
			if inner.field == 0 {
				inner.fail("field number 0")
				break
			}
			element, numbers := s.counts.classify(f.field, inner.field)
			if element != nil {
				*element++
			}
			countNumbers(numbers, inner.wire, inner.payload)
		}
		s.err = inner.err
	}
	return len(p) - len(f.data)
}

// countNumbers adds to *numbers, when set, the elements of a repeated
// number: one unpacked, or the varints of a packed run.
func countNumbers(numbers *int, wire int, payload []byte) {
	switch {
	case numbers == nil:
	case wire == wireBytes:
		*numbers += countVarints(payload)
	default:
		*numbers++
	}
}

// fields reads the fields of a message held whole: next sets field, wire
// and payload (the bytes of a length-delimited field, the encoding of a
// number otherwise), and returns false at the end or at a broken field,
// which err then describes.
type fields struct {
	data    []byte
	field   uint64
	wire    int
	payload []byte
	err     error
}

func (f *fields) next() bool {
	if len(f.data) == 0 {
		return false
	}
	tag, n := uvarint(f.data)
	if n == 0 {
		return f.fail("bad field tag")
	}
	data := f.data[n:]
	f.field, f.wire = tag>>3, int(tag&7)
	var size int
	switch f.wire {
	case wireVarint:
		if _, size = uvarint(data); size == 0 {
			return f.fail("bad varint")
		}
	case wireFixed64:
		size = 8
	case wireFixed32:
		size = 4
	case wireBytes:
		length, n := uvarint(data)
		if n == 0 || length > uint64(len(data)-n) {
			return f.fail("bad field length")
		}
		data = data[n:]
		size = int(length)
	default:
		return f.fail(fmt.Sprintf("unknown wire type %d", f.wire))
	}
	if size > len(data) {
		return f.fail("truncated field")
	}
	f.payload, f.data = data[:size], data[size:]
	return true
}

func (f *fields) fail(reason string) bool {
	f.err = fmt.Errorf("%w: %s", errMalformedProtobuf, reason)
	return false
}

// uvarint decodes a varint of at most ten bytes, as google/pprof does (the
// bits past 64 are dropped); n is 0 when data does not start with one.
func uvarint(data []byte) (v uint64, n int) {
	if len(data) > 0 && data[0] < 0x80 {
		return uint64(data[0]), 1
	}
	for i, b := range data {
		if i == 10 {
			return 0, 0
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// countVarints counts the varints of a packed run: each ends in its one
// byte below 0x80, so they are counted eight bytes at a time.
func countVarints(p []byte) int {
	n := 0
	for len(p) >= 8 {
		high := binary.LittleEndian.Uint64(p) & 0x8080808080808080
		n += 8 - bits.OnesCount64(high)
		p = p[8:]
	}
	for _, b := range p {
		if b < 0x80 {
			n++
		}
	}
	return n
}
