package history

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// A row is a sequence of (uvarint figure id << 1 | float flag, value)
// pairs, in figure id order. Whole numbers (counts, bytes) are zig-zag
// varints, usually one to five bytes; other values are the 8 bytes of
// their float64.

const floatFlag = 1

func encodeRow(values map[string]float64, idOf func(string) (uint64, error)) ([]byte, error) {
	type pair struct {
		id uint64
		v  float64
	}
	pairs := make([]pair, 0, len(values))
	for name, v := range values {
		id, err := idOf(name)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, pair{id, v})
	}
	slices.SortFunc(pairs, func(a, b pair) int { return int(a.id) - int(b.id) })
	row := make([]byte, 0, len(pairs)*4)
	for _, p := range pairs {
		if isWhole(p.v) {
			row = binary.AppendUvarint(row, p.id<<1)
			row = binary.AppendVarint(row, int64(p.v))
			continue
		}
		row = binary.AppendUvarint(row, p.id<<1|floatFlag)
		row = binary.LittleEndian.AppendUint64(row, math.Float64bits(p.v))
	}
	return row, nil
}

// isWhole reports values that survive a round trip through int64 exactly.
func isWhole(v float64) bool {
	return v == math.Trunc(v) && math.Abs(v) < 1<<53 && !(v == 0 && math.Signbit(v))
}

var errCorruptRow = errors.New("history: a stored sample is corrupt")

// decodeRow calls fn for every (figure id, value) of a row.
func decodeRow(row []byte, fn func(id uint64, v float64)) error {
	for len(row) > 0 {
		tag, n := binary.Uvarint(row)
		if n <= 0 {
			return errCorruptRow
		}
		row = row[n:]
		id := tag >> 1
		if tag&floatFlag != 0 {
			if len(row) < 8 {
				return errCorruptRow
			}
			fn(id, math.Float64frombits(binary.LittleEndian.Uint64(row)))
			row = row[8:]
			continue
		}
		v, n := binary.Varint(row)
		if n <= 0 {
			return errCorruptRow
		}
		row = row[n:]
		fn(id, float64(v))
	}
	return nil
}
