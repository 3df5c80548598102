package dumpformat

import (
	"encoding/binary"
	"errors"
	"fmt"
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

// scanPprof counts a profile's repeated fields the way google/pprof would
// decode them: packed and unpacked repeated numbers alike, unknown fields
// skipped. It fails where the wire format is broken, which the decoder
// would reject as well, with the counts up to there.
func scanPprof(data []byte) (pprofCounts, error) {
	var c pprofCounts
	top := fields{data: data}
	for top.next() {
		switch top.field {
		case profileSampleType, profileString:
			c.entries++
		case profileSample:
			c.samples++
			if top.wire != wireBytes {
				continue
			}
			sample := fields{data: top.payload}
			for sample.next() {
				switch sample.field {
				case sampleLocationID:
					c.locationRefs += countNumbers(sample.wire, sample.payload)
				case sampleValue:
					c.entries += countNumbers(sample.wire, sample.payload)
				case sampleLabel:
					c.entries++
				}
			}
			if sample.err != nil {
				return c, sample.err
			}
		case profileMapping:
			c.mappings++
		case profileLocation:
			c.locations++
			if top.wire != wireBytes {
				continue
			}
			location := fields{data: top.payload}
			for location.next() {
				if location.field == locationLine {
					c.entries++
				}
			}
			if location.err != nil {
				return c, location.err
			}
		case profileFunction:
			c.functions++
		case profileComment:
			c.entries += countNumbers(top.wire, top.payload)
		}
	}
	return c, top.err
}

// fields reads the fields of a message one by one: next sets field, wire
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

// uvarint decodes a varint; n is 0 when data does not start with one.
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

// countNumbers counts the numbers of a repeated numeric field: one for an
// unpacked element, one per varint of a packed run (every varint ends in
// the one byte of it below 0x80).
func countNumbers(wire int, payload []byte) int {
	if wire != wireBytes {
		return 1
	}
	n := 0
	for len(payload) >= 8 {
		high := binary.LittleEndian.Uint64(payload) & 0x8080808080808080
		n += 8 - bits.OnesCount64(high)
		payload = payload[8:]
	}
	for _, b := range payload {
		if b < 0x80 {
			n++
		}
	}
	return n
}
