package profiles_test

import (
	"os"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/profiles"
)

// The large CPU profile (testdata/cpu-large.pb.gz, see testdata/README.md)
// has tens of thousands of samples over tens of thousands of locations.
// Targets on the development machine: a flame graph frame in at most
// 100 ms and a top table in at most 50 ms; scripts/bench-profiles.sh runs
// these and `go tool pprof -top` on the same file.

const largeProfile = "testdata/cpu-large.pb.gz"

func largeBytes(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile(largeProfile)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkParseLarge(b *testing.B) {
	data := largeBytes(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		p, _, err := profiles.Parse(data, dumpformat.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(p.Sample)), "samples")
		b.ReportMetric(float64(len(p.Location)), "locations")
	}
}

// BenchmarkFlameGraphLarge turns the parsed profile into the flame graph
// frame sent to Grafana.
func BenchmarkFlameGraphLarge(b *testing.B) {
	p, _, err := profiles.Parse(largeBytes(b), dumpformat.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		tree, err := profiles.Tree(p, profiles.Options{})
		if err != nil {
			b.Fatal(err)
		}
		frames.FlameGraph(tree, frames.Origin{Name: "large"})
	}
}

// BenchmarkFlameGraphLargeLimited does the same with a node limit, as a
// panel with a limit setting would.
func BenchmarkFlameGraphLargeLimited(b *testing.B) {
	p, _, err := profiles.Parse(largeBytes(b), dumpformat.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		tree, err := profiles.Tree(p, profiles.Options{MaxNodes: 8192})
		if err != nil {
			b.Fatal(err)
		}
		frames.FlameGraph(tree, frames.Origin{Name: "large"})
	}
}

// BenchmarkTopLarge turns the parsed profile into the top table frame.
func BenchmarkTopLarge(b *testing.B) {
	p, _, err := profiles.Parse(largeBytes(b), dumpformat.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		top, err := profiles.Top(p, profiles.Options{})
		if err != nil {
			b.Fatal(err)
		}
		frames.Top(top, frames.Origin{Name: "large"})
	}
}

// BenchmarkFlameGraphLargeFromBytes and BenchmarkTopLargeFromBytes include
// parsing, the work `go tool pprof -top` does as well.
func BenchmarkFlameGraphLargeFromBytes(b *testing.B) {
	data := largeBytes(b)
	for b.Loop() {
		p, _, err := profiles.Parse(data, dumpformat.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		tree, err := profiles.Tree(p, profiles.Options{})
		if err != nil {
			b.Fatal(err)
		}
		frames.FlameGraph(tree, frames.Origin{Name: "large"})
	}
}

func BenchmarkTopLargeFromBytes(b *testing.B) {
	data := largeBytes(b)
	for b.Loop() {
		p, _, err := profiles.Parse(data, dumpformat.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		top, err := profiles.Top(p, profiles.Options{NodeFraction: 0.005})
		if err != nil {
			b.Fatal(err)
		}
		frames.Top(top, frames.Origin{Name: "large"})
	}
}

// BenchmarkPrescanLarge counts what the large profile decodes to, the
// check dumpformat.ParsePprof makes before decoding; BenchmarkDecodeLarge
// is the decoding by google/pprof it protects, on the same bytes.
// scripts/bench-profiles.sh prints their ratio.
func BenchmarkPrescanLarge(b *testing.B) {
	plain := largePlain(b)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if err := dumpformat.CheckPprofBounds(plain, dumpformat.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeLarge(b *testing.B) {
	plain := largePlain(b)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := profile.ParseUncompressed(plain); err != nil {
			b.Fatal(err)
		}
	}
}

func largePlain(b *testing.B) []byte {
	plain, _, err := dumpformat.Decode(largeBytes(b), dumpformat.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	return plain
}
