// Command framejson writes flame graph frames built from real profiles (and
// a real execution trace's blocking profile), in
// the JSON the plugin SDK sends to Grafana, with what a browser test should
// find once Grafana's flame graph renders them: the profile's total summed
// straight from its samples, and the largest functions by flat value as
// `go tool pprof -top` lists them.
//
//	go run ./tests/browser/framejson -out frames.json
package main

import (
	"encoding/json"
	"flag"
	"log"
	"math"
	"os"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/profiles"
	"github.com/goscope/pprof/pkg/traces"
)

// view is one frame to render and what it must show.
type view struct {
	Frame     json.RawMessage `json:"frame"`
	Unit      string          `json:"unit"`
	Total     int64           `json:"total"`
	TotalDiff int64           `json:"totalRight,omitempty"`
	Top       []topRow        `json:"top"`
	Rows      int             `json:"rows"`
	// Groups are the group nodes of a tree grouped by a label, with the
	// totals per label value computed separately.
	Groups []topRow `json:"groups,omitempty"`
	// Compared are functions of a diff with the percentages Grafana's top
	// table must show for them, computed from each profile on its own.
	Compared []comparedRow `json:"compared,omitempty"`
}

// comparedRow is what the diff top table shows for a function: its cum
// as a share of each profile's total, rounded to hundredths of a percent
// as the component rounds, and the relative change between the two.
type comparedRow struct {
	Name       string  `json:"name"`
	Baseline   float64 `json:"baseline"`
	Comparison float64 `json:"comparison"`
	Diff       float64 `json:"diff"`
}

type topRow struct {
	Name string `json:"name"`
	Flat int64  `json:"flat"`
	Cum  int64  `json:"cum"`
}

func main() {
	dir := flag.String("testdata", "pkg/profiles/testdata", "directory of the test profiles")
	out := flag.String("out", "frames.json", "where to write the frames")
	traceFile := flag.String("trace", "pkg/traces/testdata/go1.26/trace.out", "execution trace for the blocking flame graph")
	flag.Parse()

	views := map[string]view{
		"heap":      single(*dir, "heap.pb.gz", "heap", profiles.Options{}),
		"cpu":       single(*dir, "cpu.pb.gz", "cpu", profiles.Options{}),
		"goroutine": single(*dir, "goroutine.pb.gz", "goroutine", profiles.Options{GroupBy: "handler"}),
		"limited":   single(*dir, "cpu-large.pb.gz", "cpu", profiles.Options{MaxNodes: 500}),
		// 15 of its 16 threads have no creation stack: one node says so.
		"threadcreate": single(*dir, "threadcreate/go1.26/threadcreate.pb.gz", "threadcreate", profiles.Options{}),
		"diff":         diff(*dir, "go1.27/goroutine.pb.gz", "goroutine.pb.gz", "goroutine", "runtime.gopark", "time.Sleep", "main.main"),
		// A profile against itself: every share equal, every change 0%.
		"selfdiff": diff(*dir, "cpu.pb.gz", "cpu.pb.gz", "cpu", "runtime.asyncPreempt", "encoding/json.(*decodeState).object"),
		// A real Go 1.26 trace's time off the CPU, one branch per kind.
		"trace": traceBlocking(*traceFile),
	}
	b, err := json.Marshal(views)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
}

func load(dir, name string) *profile.Profile {
	b, err := os.ReadFile(dir + "/" + name)
	if err != nil {
		log.Fatal(err)
	}
	p, _, err := profiles.Parse(b, dumpformat.Limits{})
	if err != nil {
		log.Fatalf("%s: %v", name, err)
	}
	return p
}

func single(dir, name, profileType string, opts profiles.Options) view {
	p := load(dir, name)
	opts.SampleType = profiles.DefaultSampleType(profileType, p)
	return fromProfile(p, name, opts)
}

// traceBlocking is the flame graph of a trace query's blocking view with
// every kind: one branch per kind under the root.
func traceBlocking(path string) view {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	res, err := traces.Analyze(f, traces.Options{})
	if err != nil {
		log.Fatalf("%s: %v", path, err)
	}
	return fromProfile(res.Profile(traces.Kinds()...), "trace.out", profiles.Options{SampleType: "delay", GroupBy: traces.KindLabel})
}

func fromProfile(p *profile.Profile, name string, opts profiles.Options) view {
	tree, err := profiles.Tree(p, opts)
	if err != nil {
		log.Fatal(err)
	}
	f := frames.FlameGraph(tree, frames.Origin{Name: name, Kind: "dump"})
	v := describe(f, p, opts, tree.SampleType.GrafanaUnit())
	if opts.GroupBy != "" {
		counts, err := profiles.LabelCounts(p, opts)
		if err != nil {
			log.Fatal(err)
		}
		for _, c := range counts.Counts {
			value := c.Value
			if !c.Present {
				value = "<unset>"
			}
			v.Groups = append(v.Groups, topRow{Name: opts.GroupBy + "=" + value, Cum: c.Total})
		}
	}
	return v
}

func diff(dir, before, after, sampleType string, compared ...string) view {
	left, right := load(dir, before), load(dir, after)
	opts := profiles.Options{SampleType: sampleType}
	tree, err := profiles.Diff(left, right, opts)
	if err != nil {
		log.Fatal(err)
	}
	f := frames.FlameGraphDiff(tree, frames.Origin{Name: before, Kind: "dump"}, frames.Origin{Name: after, Kind: "dump"})
	v := describe(f, left, opts, tree.SampleType.GrafanaUnit())
	v.TotalDiff = sampleTotal(right, opts.SampleType)
	leftCum, rightCum := cumByFunction(left, sampleType), cumByFunction(right, sampleType)
	for _, name := range compared {
		baseline := hundredths(100 * float64(leftCum[name]) / float64(v.Total))
		comparison := hundredths(100 * float64(rightCum[name]) / float64(v.TotalDiff))
		if baseline == 0 || comparison == 0 {
			log.Fatalf("%s is not in both profiles", name)
		}
		v.Compared = append(v.Compared, comparedRow{
			Name: name, Baseline: baseline, Comparison: comparison,
			Diff: (comparison - baseline) / baseline * 100,
		})
	}
	return v
}

// cumByFunction is each function's cum in a profile, as `go tool pprof
// -top -nodefraction=0` lists it.
func cumByFunction(p *profile.Profile, sampleType string) map[string]int64 {
	top, err := profiles.Top(p, profiles.Options{SampleType: sampleType})
	if err != nil {
		log.Fatal(err)
	}
	cum := map[string]int64{}
	for _, r := range top.Rows {
		cum[r.Name] = r.Cum
	}
	return cum
}

func hundredths(percent float64) float64 { return math.Round(percent*100) / 100 }

func describe(f *data.Frame, p *profile.Profile, opts profiles.Options, unit string) view {
	if err := frames.CheckFlameGraph(f); err != nil {
		log.Fatal(err)
	}
	b, err := f.MarshalJSON()
	if err != nil {
		log.Fatal(err)
	}
	top, err := profiles.Top(p, profiles.Options{SampleType: opts.SampleType})
	if err != nil {
		log.Fatal(err)
	}
	v := view{Frame: b, Unit: unit, Total: sampleTotal(p, opts.SampleType), Rows: f.Rows()}
	// The largest rows by flat, as long as they have a flat value: Grafana
	// orders rows of equal self differently, and shows only the first ones.
	// A tree cut by a node limit moves part of each self into "other".
	for _, r := range top.Rows[:min(4, len(top.Rows))] {
		if r.Flat > 0 && opts.MaxNodes == 0 {
			v.Top = append(v.Top, topRow{Name: r.Name, Flat: r.Flat, Cum: r.Cum})
		}
	}
	return v
}

func sampleTotal(p *profile.Profile, sampleType string) int64 {
	i, err := p.SampleIndexByName(sampleType)
	if err != nil {
		log.Fatal(err)
	}
	var total int64
	for _, s := range p.Sample {
		total += s.Value[i]
	}
	return total
}
