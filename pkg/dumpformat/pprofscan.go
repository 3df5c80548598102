package dumpformat

import (
	"errors"
	"fmt"

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
	err := eachField(data, func(field uint64, wire int, payload []byte) error {
		switch field {
		case profileSampleType, profileString:
			c.entries++
		case profileSample:
			c.samples++
			if wire != wireBytes {
				return nil
			}
			return eachField(payload, func(field uint64, wire int, payload []byte) error {
				switch field {
				case sampleLocationID:
					c.locationRefs += countNumbers(wire, payload)
				case sampleValue:
					c.entries += countNumbers(wire, payload)
				case sampleLabel:
					c.entries++
				}
				return nil
			})
		case profileMapping:
			c.mappings++
		case profileLocation:
			c.locations++
			if wire != wireBytes {
				return nil
			}
			return eachField(payload, func(field uint64, _ int, _ []byte) error {
				if field == locationLine {
					c.entries++
				}
				return nil
			})
		case profileFunction:
			c.functions++
		case profileComment:
			c.entries += countNumbers(wire, payload)
		}
		return nil
	})
	return c, err
}

// eachField calls visit with every field of a message: its number, wire
// type and payload (the bytes of a length-delimited field, the encoding of
// a number otherwise).
func eachField(data []byte, visit func(field uint64, wire int, payload []byte) error) error {
	for len(data) > 0 {
		tag, n := uvarint(data)
		if n == 0 {
			return fmt.Errorf("%w: bad field tag", errMalformedProtobuf)
		}
		data = data[n:]
		wire := int(tag & 7)
		var size int
		switch wire {
		case wireVarint:
			if _, size = uvarint(data); size == 0 {
				return fmt.Errorf("%w: bad varint", errMalformedProtobuf)
			}
		case wireFixed64:
			size = 8
		case wireFixed32:
			size = 4
		case wireBytes:
			length, n := uvarint(data)
			if n == 0 || length > uint64(len(data)-n) {
				return fmt.Errorf("%w: bad field length", errMalformedProtobuf)
			}
			data = data[n:]
			size = int(length)
		default:
			return fmt.Errorf("%w: unknown wire type %d", errMalformedProtobuf, wire)
		}
		if size > len(data) {
			return fmt.Errorf("%w: truncated field", errMalformedProtobuf)
		}
		if err := visit(tag>>3, wire, data[:size]); err != nil {
			return err
		}
		data = data[size:]
	}
	return nil
}

// uvarint decodes a varint; n is 0 when data does not start with one.
func uvarint(data []byte) (v uint64, n int) {
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
	for _, b := range payload {
		if b < 0x80 {
			n++
		}
	}
	return n
}
