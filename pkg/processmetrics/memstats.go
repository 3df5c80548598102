package processmetrics

import (
	"bufio"
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// memStatsHeader opens the block the runtime appends to a heap or allocs
// profile written in debug=1 text.
var memStatsHeader = []byte("\n# runtime.MemStats\n")

// ParseMemStats returns the vitals found in the runtime.MemStats block of a
// heap profile in debug=1 text (what /debug/pprof/heap?debug=1 serves), by
// Vital.Name. These are the runtime's exact figures, where the profile's
// own samples are estimates. Go 1.19 to 1.27 all write the block the same
// way: one "# Name = value" line per field, a few fields as "in use / from
// the OS" pairs (Stack, MSpan, MCache), of which the first is taken.
func ParseMemStats(text []byte) (map[string]float64, error) {
	i := bytes.LastIndex(text, memStatsHeader)
	if i < 0 {
		return nil, errors.New("the heap profile has no runtime.MemStats block (it is not debug=1 text, or it was cut short)")
	}
	fields := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(text[i+len(memStatsHeader):]))
	for sc.Scan() {
		name, value, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "# "), " = ")
		if !ok {
			continue
		}
		value, _, _ = strings.Cut(value, " / ")
		if n, err := strconv.ParseUint(value, 10, 64); err == nil {
			fields[name] = float64(n)
		}
	}
	out := map[string]float64{}
	for _, v := range Vitals {
		if n, ok := fields[v.MemStats]; ok && v.MemStats != "" {
			out[v.Name] = n
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the runtime.MemStats block of the heap profile has no HeapInuse")
	}
	return out, nil
}
