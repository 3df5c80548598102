package profiles

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// goldenCase is one line of testdata/golden/manifest.txt.
type goldenCase struct {
	golden     string
	pprofInput string
	ourInput   string
	flags      []string
}

func readManifest(t *testing.T) []goldenCase {
	t.Helper()
	f, err := os.Open("testdata/golden/manifest.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		if len(fields) < 3 {
			t.Fatalf("manifest line %q: want golden, pprof input, our input and flags", sc.Text())
		}
		c := goldenCase{golden: fields[0], pprofInput: fields[1], ourInput: fields[2], flags: fields[3:]}
		if c.ourInput == "=" {
			c.ourInput = c.pprofInput
		}
		cases = append(cases, c)
	}
	return cases
}

// optionsFromFlags turns the pprof flags of the manifest into Options,
// with pprof's default node fraction unless a flag sets it.
func optionsFromFlags(t *testing.T, flags []string) Options {
	t.Helper()
	o := Options{NodeFraction: DefaultNodeFraction}
	for _, f := range flags {
		name, value, _ := strings.Cut(strings.TrimPrefix(f, "-"), "=")
		switch name {
		case "sample_index":
			o.SampleType = value
		case "nodefraction":
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatal(err)
			}
			o.NodeFraction = v
		case "lines":
			o.ByLine = true
		case "focus":
			o.Focus = value
		case "ignore":
			o.Ignore = value
		case "hide":
			o.Hide = value
		case "tagfocus":
			key, re, _ := strings.Cut(value, "=")
			// pprof matches tag values unanchored.
			o.LabelFilter = append(o.LabelFilter, LabelMatcher{Key: key, Op: MatchRegexp, Value: ".*(?:" + re + ").*"})
		default:
			t.Fatalf("flag %s has no Options equivalent in this test", f)
		}
	}
	return o
}

func parseFile(t testing.TB, name string) *profile.Profile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

// TestTopMatchesGoToolPprof compares every golden report of the real
// `go tool pprof -top` with our top table printed with pprof's rounding:
// the sample type, the summary lines and every row must be identical.
func TestTopMatchesGoToolPprof(t *testing.T) {
	for _, c := range readManifest(t) {
		t.Run(c.golden, func(t *testing.T) {
			goldenBytes, err := os.ReadFile(filepath.Join("testdata/golden", c.golden))
			if err != nil {
				t.Fatalf("%v (regenerate with go generate ./pkg/profiles)", err)
			}
			wantType, wantSummary, wantTable := splitPprofReport(string(goldenBytes))
			opts := optionsFromFlags(t, c.flags)
			top, err := Top(parseFile(t, c.ourInput), opts)
			if err != nil {
				t.Fatal(err)
			}
			if top.SampleType.Name != wantType {
				t.Errorf("sample type %q, pprof says %q", top.SampleType.Name, wantType)
			}
			gotSummary, gotTable := pprofTopLines(top, opts.NodeFraction)
			if c.ourInput != c.pprofInput {
				// Text profiles do not say which calls were inlined.
				gotTable, wantTable = withoutInlineMarks(gotTable), withoutInlineMarks(wantTable)
			}
			if top.Unrecorded != 0 {
				gotSummary, gotTable = withoutStacklessRow(gotSummary, gotTable, StackNotRecorded)
				wantSummary, wantTable = withoutStacklessRow(wantSummary, wantTable, "<unknown>")
			}
			compareLines(t, "summary", gotSummary, wantSummary)
			compareLines(t, "table", gotTable, wantTable)
		})
	}
}

// splitPprofReport returns a report's sample type, its summary lines
// (from "Showing nodes") and its table (header and rows).
func splitPprofReport(report string) (sampleType string, summary, table []string) {
	inSummary := false
	for _, line := range strings.Split(strings.TrimRight(report, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "Type: "):
			sampleType = strings.TrimPrefix(line, "Type: ")
		case strings.HasPrefix(line, "Showing nodes"):
			inSummary = true
			summary = append(summary, line)
		case strings.HasPrefix(strings.TrimSpace(line), "flat  flat%"):
			inSummary = false
			table = append(table, line)
		case len(table) > 0:
			table = append(table, line)
		case inSummary:
			summary = append(summary, line)
		}
	}
	return sampleType, summary, table
}

// withoutStacklessRow removes from a report what differs by design when
// samples have no stack: the row standing for them (ours; pprof prints
// "<unknown>" for the zero padding of Go 1.23 and later, and no row for
// the empty stacks before), the sum % column and the shown total that
// include it. Every other row must still be identical.
func withoutStacklessRow(summary, table []string, row string) ([]string, []string) {
	summary = slices.DeleteFunc(slices.Clone(summary), func(l string) bool { return strings.HasPrefix(l, "Showing nodes") })
	var out []string
	for _, l := range table {
		f := strings.Fields(l)
		if len(f) < 6 || strings.Join(f[5:], " ") == row {
			continue
		}
		out = append(out, strings.Join(slices.Delete(f, 2, 3), " "))
	}
	return summary, out
}

func withoutInlineMarks(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		l = strings.TrimSuffix(l, " (inline)")
		out[i] = strings.TrimSuffix(l, " (partial-inline)")
	}
	return out
}

func compareLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := 0; i < max(len(got), len(want)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s line %d:\n got %q\nwant %q", what, i, g, w)
			return
		}
	}
}
