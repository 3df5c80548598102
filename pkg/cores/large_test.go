package cores_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/cores"
	"github.com/goscope/pprof/pkg/stackgroups"
)

// largeCore is the core scripts/bench-cores.sh makes: a gcore of the
// scenario at a scale of 100,000 goroutines and more, its executable and the
// dump the process wrote just before.
func largeCore(tb testing.TB) (core, exe, dump string) {
	core, exe, dump = os.Getenv("GOPPROF_LARGE_CORE"), os.Getenv("GOPPROF_LARGE_EXE"), os.Getenv("GOPPROF_LARGE_DUMP")
	if core == "" || exe == "" {
		tb.Skip("GOPPROF_LARGE_CORE and GOPPROF_LARGE_EXE are unset: scripts/bench-cores.sh makes the large core")
	}
	return core, exe, dump
}

// TestLargeCoreAgreesWithDump checks the states and groups views of the
// large core against its process's own dump.
func TestLargeCoreAgreesWithDump(t *testing.T) {
	core, exe, dumpPath := largeCore(t)
	if dumpPath == "" {
		t.Skip("GOPPROF_LARGE_DUMP is unset")
	}
	snap, err := cores.Read(core, exe)
	if err != nil {
		t.Fatal(err)
	}
	dump := readDump(t, dumpPath)
	writer := writerOf(t, dump)
	compareViews(t, without(dump, writer, 1), without(snap, writer, 1))
	t.Logf("%d goroutines in the core, %d in the dump; views agree", snap.Total, dump.Total)
}

// BenchmarkReadLargeCore reads the large core into the states and groups
// views and reports the peak resident memory of the process.
func BenchmarkReadLargeCore(b *testing.B) {
	core, exe, _ := largeCore(b)
	st, err := os.Stat(core)
	if err != nil {
		b.Fatal(err)
	}
	goroutines := 0
	for b.Loop() {
		snap, err := cores.Read(core, exe)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := stackgroups.States(snap, stackgroups.Filter{}); err != nil {
			b.Fatal(err)
		}
		if _, err := stackgroups.Groups(snap, stackgroups.Filter{}); err != nil {
			b.Fatal(err)
		}
		goroutines = snap.Total
	}
	b.ReportMetric(float64(goroutines), "goroutines")
	b.ReportMetric(float64(st.Size())/(1<<30), "core-GiB")
	b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-RSS-MiB")
}

// peakRSS is the process's peak resident set (VmHWM) in bytes.
func peakRSS(tb testing.TB) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skip("no /proc/self/status to read the peak resident set from")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
