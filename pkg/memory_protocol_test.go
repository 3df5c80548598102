//go:build protocol

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// processMemory reads a field of /proc/<pid>/status in bytes: VmRSS (now)
// or VmHWM (the peak since the start or the last resetPeakMemory).
func processMemory(t testing.TB, pid int, field string) int64 {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return kib << 10
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// resetPeakMemory starts a new VmHWM from the current resident size.
func resetPeakMemory(t testing.TB, pid int) {
	t.Helper()
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkProtocolStoredDump measures the built plugin on the goroutine
// dump GOROUTINE_DUMP names (scripts/bench-memory.sh generates one of a
// million goroutines, scripts/bench-goroutines.sh uses 100k): it uploads the dump in chunks and queries its groups, then
// queries it again, then starts a second plugin process on the same store
// and queries it there (a restart: nothing cached). It reports each
// process's peak resident memory (VmHWM) over the dump's size during the
// upload and the queries, and the query times. Run it once: -benchtime 1x.
func BenchmarkProtocolStoredDump(b *testing.B) {
	path := os.Getenv("GOROUTINE_DUMP")
	if path == "" {
		b.Skip("set GOROUTINE_DUMP to a goroutine dump")
	}
	dump, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	size := float64(len(dump))
	storeDir := b.TempDir()
	settings := fmt.Sprintf(`{"dumpStoreDir":%q,"maxUploadMiB":4096,"dumpQuotaMiB":8192}`, storeDir)

	c := startPlugin(b)
	pc := pluginContext(settings)
	callResource(b, c, pc, "GET", "dumps/sources", nil)
	resetPeakMemory(b, c.pid)
	id := uploadChunked(b, c, pc, filepath.Base(path), dump)
	dump = nil
	b.ReportMetric(float64(processMemory(b, c.pid, "VmHWM"))/size, "upload-peak-rss/input")

	q := fmt.Sprintf(`{"queryType":"goroutines","view":"groups","dump":%q}`, id)
	timeQuery := func(c pluginClients) time.Duration {
		start := time.Now()
		if _, errText := queryData(b, c, pc, q); errText != "" {
			b.Fatal(errText)
		}
		return time.Since(start)
	}
	resetPeakMemory(b, c.pid)
	b.ReportMetric(ms(timeQuery(c)), "after-upload-query-ms")
	repeats := make([]time.Duration, 5)
	for i := range repeats {
		repeats[i] = timeQuery(c)
	}
	slices.Sort(repeats)
	b.ReportMetric(ms(repeats[len(repeats)/2]), "repeated-query-ms")
	b.ReportMetric(float64(processMemory(b, c.pid, "VmHWM"))/size, "query-peak-rss/input")

	restarted := startPlugin(b)
	callResource(b, restarted, pc, "GET", "dumps/sources", nil)
	resetPeakMemory(b, restarted.pid)
	b.ReportMetric(ms(timeQuery(restarted)), "first-query-ms")
	b.ReportMetric(float64(processMemory(b, restarted.pid, "VmHWM"))/size, "first-query-peak-rss/input")
	b.ReportMetric(ms(timeQuery(restarted)), "second-query-ms")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// bigDump runs pkg/stackgroups/testdata/bigdump, a real Go program that
// starts n goroutines blocked the ways servers block, and returns the
// goroutine?debug=2 dump it writes of itself.
func bigDump(t testing.TB, n int) []byte {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("stackgroups", "testdata", "bigdump", "main.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, content := range map[string][]byte{"main.go": src, "go.mod": []byte("module bigdump\n\ngo 1.21\n")} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", "bigdump", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building bigdump: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "dump.txt")
	if msg, err := exec.Command(filepath.Join(dir, "bigdump"), "-n", strconv.Itoa(n), "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("running bigdump: %v\n%s", err, msg)
	}
	dump, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return dump
}

// A million-goroutine dump made the plugin peak at 3.5 times its size
// when it was uploaded and then queried. At a fifth of the scale, with the
// same shape, the plugin's resident memory grows by less than twice the
// dump's size over the upload in chunks and queries that follow, and in a
// new plugin process (nothing cached) over queries of the stored dump.
func TestPluginMemoryOfALargeDump(t *testing.T) {
	if testing.Short() {
		t.Skip("generates an 85 MiB dump")
	}
	dump := bigDump(t, 200_000)
	size := int64(len(dump))
	pc := storePluginContext(t, 30)
	pc.DataSourceInstanceSettings.JsonData = fmt.Appendf(nil, `{"dumpStoreDir":%q,"maxUploadMiB":1024}`, t.TempDir())

	var id string
	queries := func(c pluginClients) {
		for _, view := range []string{"groups", "count", "states"} {
			frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":%q,"dump":%q}`, view, id))
			if errText != "" || len(frames) == 0 {
				t.Fatalf("%s: %q", view, errText)
			}
		}
	}
	growth := func(phase string, fn func(c pluginClients)) {
		t.Helper()
		c := startPlugin(t)
		callResource(t, c, pc, "GET", "dumps/sources", nil)
		idle := processMemory(t, c.pid, "VmRSS")
		fn(c)
		peak := processMemory(t, c.pid, "VmHWM")
		t.Logf("%s: idle %d MiB, peak %d MiB, growth %.2f × the %d MiB dump", phase, idle>>20, peak>>20, float64(peak-idle)/float64(size), size>>20)
		if peak-idle > 2*size {
			t.Errorf("%s: resident memory grew by %d MiB for a %d MiB dump", phase, (peak-idle)>>20, size>>20)
		}
	}
	growth("upload and queries", func(c pluginClients) {
		id = uploadChunked(t, c, pc, "bigdump.txt", dump)
		queries(c)
	})
	growth("queries after a restart", queries)
}
