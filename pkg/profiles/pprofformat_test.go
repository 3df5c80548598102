package profiles

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// This file prints a TopTable the way `go tool pprof -top` prints its
// report, so tests compare our numbers with the real tool's output line by
// line. The unit tables and rounding rules are pprof's (its measurement
// package): values are shown in the unit of the smallest row, scaled to a
// larger unit when that would make the smallest row at least 0.01, with
// two decimals and ".00" dropped.

type pprofUnit struct {
	name    string
	aliases []string
	factor  float64
}

type pprofUnitFamily struct {
	units []pprofUnit
	// fallback is the unit of values too small for any unit, and of
	// conversions to a unit the family does not have.
	fallback pprofUnit
}

var pprofUnitFamilies = []pprofUnitFamily{
	{units: []pprofUnit{
		{"B", []string{"b", "byte"}, 1},
		{"kB", []string{"kb", "kbyte", "kilobyte"}, 1 << 10},
		{"MB", []string{"mb", "mbyte", "megabyte"}, 1 << 20},
		{"GB", []string{"gb", "gbyte", "gigabyte"}, 1 << 30},
		{"TB", []string{"tb", "tbyte", "terabyte"}, 1 << 40},
		{"PB", []string{"pb", "pbyte", "petabyte"}, 1 << 50},
	}, fallback: pprofUnit{"B", nil, 1}},
	{units: []pprofUnit{
		{"ns", []string{"ns", "nanosecond"}, 1},
		{"us", []string{"μs", "us", "microsecond"}, 1e3},
		{"ms", []string{"ms", "millisecond"}, 1e6},
		{"s", []string{"s", "sec", "second"}, 1e9},
		{"hrs", []string{"hour", "hr"}, 3600e9},
	}, fallback: pprofUnit{"s", nil, 1e9}},
}

// findUnit looks a unit up as pprof does: lower case, and a plural "s"
// dropped from names longer than two letters.
func findUnit(unit string) (family pprofUnitFamily, u pprofUnit, ok bool) {
	unit = strings.ToLower(unit)
	if len(unit) > 2 {
		unit = strings.TrimSuffix(unit, "s")
	}
	for _, fam := range pprofUnitFamilies {
		for _, cand := range fam.units {
			for _, a := range cand.aliases {
				if a == unit {
					return fam, cand, true
				}
			}
		}
	}
	return pprofUnitFamily{}, pprofUnit{}, false
}

// scale converts value from one unit to another, or to the largest unit
// that keeps it at least 1 when to is "minimum".
func scale(value int64, from, to string) (float64, string) {
	if value < 0 {
		v, u := scale(-value, from, to)
		return -v, u
	}
	fam, fu, ok := findUnit(from)
	if !ok {
		if to == "minimum" || to == "count" || to == "sample" || to == "unit" || to == "auto" {
			return float64(value), ""
		}
		return float64(value), to
	}
	v := float64(value) * fu.factor
	if to == "minimum" {
		best := fam.fallback
		found := false
		for _, u := range fam.units {
			if (!found || u.factor >= best.factor) && v/u.factor >= 1 {
				best, found = u, true
			}
		}
		return v / best.factor, best.name
	}
	if tfam, tu, ok := findUnit(to); ok && tfam.fallback.name == fam.fallback.name {
		return v / tu.factor, tu.name
	}
	return v / fam.fallback.factor, fam.fallback.name
}

func scaledLabel(value int64, from, to string) string {
	v, u := scale(value, from, to)
	s := strings.TrimSuffix(fmt.Sprintf("%.2f", v), ".00")
	if s == "0" || s == "-0" {
		return "0"
	}
	return s + u
}

func percentage(value, total int64) string {
	var ratio float64
	if total != 0 {
		ratio = math.Abs(float64(value)/float64(total)) * 100
	}
	switch {
	case ratio >= 99.95 && ratio <= 100.05:
		return "  100%"
	case ratio >= 1.0:
		return fmt.Sprintf("%5.2f%%", ratio)
	default:
		return fmt.Sprintf("%5.2g%%", ratio)
	}
}

// outputUnit picks the unit pprof prints a report in.
func outputUnit(t *TopTable) string {
	var minValue int64
	for _, r := range t.Rows {
		v := abs(r.Flat)
		if v == 0 {
			v = abs(r.Cum)
		}
		if v > 0 && (minValue == 0 || v < minValue) {
			minValue = v
		}
	}
	maxValue := t.Total
	if minValue == 0 {
		minValue = maxValue
	}
	_, minUnit := scale(minValue, t.SampleType.Unit, "minimum")
	_, maxUnit := scale(maxValue, t.SampleType.Unit, "minimum")
	unit := minUnit
	if minUnit != maxUnit && minValue*100 < maxValue {
		_, unit = scale(100*minValue, t.SampleType.Unit, "minimum")
	}
	if unit == "" {
		return t.SampleType.Unit
	}
	return unit
}

// pprofTopLines renders the summary lines and the table of a top report.
func pprofTopLines(t *TopTable, nodeFraction float64) (summary, table []string) {
	unit := outputUnit(t)
	format := func(v int64) string { return scaledLabel(v, t.SampleType.Unit, unit) }
	shown := t.Shown()
	summary = append(summary, fmt.Sprintf("Showing nodes accounting for %s, %s of %s total",
		format(shown), strings.TrimSpace(percentage(shown, t.Total)), format(t.Total)))
	if t.DroppedNodes > 0 && t.Total != 0 {
		noun := "node"
		if t.DroppedNodes > 1 {
			noun = "nodes"
		}
		summary = append(summary, fmt.Sprintf("Dropped %d %s (cum <= %s)", t.DroppedNodes, noun,
			format(abs(int64(float64(t.Total)*nodeFraction)))))
	}
	table = append(table, fmt.Sprintf("%10s %5s%% %5s%% %10s %5s%%", "flat", "flat", "sum", "cum", "cum"))
	var sum int64
	for _, r := range t.Rows {
		sum += r.Flat
		inline := ""
		if r.Inline != "" {
			inline = " (" + r.Inline + ")"
		}
		table = append(table, fmt.Sprintf("%10s %s %s %10s %s  %s%s",
			format(r.Flat), percentage(r.Flat, t.Total), percentage(sum, t.Total),
			format(r.Cum), percentage(r.Cum, t.Total), r.Name, inline))
	}
	return summary, table
}

func TestScaledLabelsLikePprof(t *testing.T) {
	for _, c := range []struct {
		v        int64
		from, to string
		want     string
	}{
		{524336, "bytes", "MB", "0.50MB"},
		{0, "bytes", "MB", "0"},
		{2100000000, "nanoseconds", "s", "2.10s"},
		{82, "count", "count", "82"},
		{1500, "nanoseconds", "us", "1.50us"},
	} {
		if got := scaledLabel(c.v, c.from, c.to); got != c.want {
			t.Errorf("scaledLabel(%d, %s, %s) = %q, want %q", c.v, c.from, c.to, got, c.want)
		}
	}
}
