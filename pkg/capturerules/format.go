package capturerules

import (
	"math"
	"strconv"
	"strings"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// formatValue writes a figure's value as a person reads it: bytes in
// binary units, counts with thousands separators.
func formatValue(figure string, v float64) string {
	if strings.HasSuffix(figure, "_bytes") {
		return dumpformat.FormatSize(int64(v))
	}
	if v == math.Trunc(v) {
		return formatCount(v)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func formatCount(v float64) string {
	neg := v < 0
	digits := strconv.FormatFloat(math.Abs(v), 'f', 0, 64)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func roundHalfUp(v float64) float64 { return math.Floor(v + 0.5) }
