//go:build protocol

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// fakeTargets is a running scripts/faketargets process.
type fakeTargets struct {
	Control string `json:"control"`
	Targets []struct {
		Name       string `json:"name"`
		URL        string `json:"url"`
		MetricsURL string `json:"metricsUrl"`
		Kind       string `json:"kind"`
	} `json:"targets"`
}

type fakeStats struct {
	PerSecond map[int64]int      `json:"perSecond"`
	Metrics   map[string][]int64 `json:"metrics"`
	FullDumps map[string][]int64 `json:"fullDumps"`
}

func startFakeTargets(b *testing.B, n, slow, dead int) fakeTargets {
	bin := filepath.Join(b.TempDir(), "faketargets")
	if out, err := exec.Command("go", "build", "-o", bin, "../scripts/faketargets").CombinedOutput(); err != nil {
		b.Fatalf("building faketargets: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "-n", strconv.Itoa(n), "-slow", strconv.Itoa(slow), "-dead", strconv.Itoa(dead), "-pkg", ".")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		b.Fatal(err)
	}
	var ft fakeTargets
	if err := json.Unmarshal(line, &ft); err != nil {
		b.Fatal(err)
	}
	return ft
}

func (ft fakeTargets) stats(b *testing.B) fakeStats {
	resp, err := http.Get(ft.Control)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var s fakeStats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		b.Fatal(err)
	}
	return s
}

// cpuSeconds is the user and system CPU time of a process so far.
func cpuSeconds(b *testing.B, pid int) float64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// The fields after the command name, which is in parentheses.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// BenchmarkProtocolTargets runs the built plugin with many fake targets
// (SCALE_TARGETS, default 500; SCALE_SLOW of them never answer and
// SCALE_DEAD refuse connections, default 10 each) recorded every 15 s with
// a full dump a minute, and measures over SCALE_MINUTES (default 3) after
// a minute of warm-up: the plugin process's CPU and resident memory, the
// requests per second the targets received, how late live targets' samples
// came, then the time of a metrics current query and of a goroutines count
// query over every target, each asked twice. Run it once: -benchtime 1x.
// It prints its figures; scripts/bench-targets.sh runs it. With
// SCALE_HEAP_PROFILES set to a directory, it saves the plugin's heap
// profile there at the end of the window (recording.pb.gz) and after the
// queries (queries.pb.gz), read with go tool pprof.
func BenchmarkProtocolTargets(b *testing.B) {
	n, slow, dead := envInt("SCALE_TARGETS", 500), envInt("SCALE_SLOW", 10), envInt("SCALE_DEAD", 10)
	minutes := envInt("SCALE_MINUTES", 3)
	saveHeap := heapProfiler(b, os.Getenv("SCALE_HEAP_PROFILES"))
	const interval = 15 * time.Second
	ft := startFakeTargets(b, n, slow, dead)
	var targets []map[string]string
	kind := map[string]string{}
	for _, t := range ft.Targets {
		targets = append(targets, map[string]string{"name": t.Name, "url": t.URL, "metricsUrl": t.MetricsURL})
		kind[t.Name] = t.Kind
	}
	jsonData, _ := json.Marshal(map[string]any{
		"targets": targets, "recordIntervalSeconds": 15, "fullDumpIntervalSeconds": 60,
		"historyDir": b.TempDir(), "dumpStoreDir": b.TempDir(),
	})
	pc := pluginContext(string(jsonData))
	pc.DataSourceInstanceSettings.Id, pc.DataSourceInstanceSettings.Uid = 50, "scale"

	c := startPlugin(b)
	fmt.Printf("targets: %d (%d never answer, %d refuse connections), recorded every %s, a full dump a minute\n", n, slow, dead, interval)
	callResource(b, c, pc, "GET", "targets", nil) // creates the instance: the recorder starts
	time.Sleep(time.Minute)

	from, cpuFrom := time.Now(), cpuSeconds(b, c.pid)
	resetPeakMemory(b, c.pid)
	var rss []int64
	for time.Since(from) < time.Duration(minutes)*time.Minute {
		time.Sleep(5 * time.Second)
		rss = append(rss, processMemory(b, c.pid, "VmRSS"))
	}
	to, cpuTo := time.Now(), cpuSeconds(b, c.pid)
	peak := processMemory(b, c.pid, "VmHWM")
	saveHeap("recording.pb.gz")
	stats := ft.stats(b)
	perMinute := (cpuTo - cpuFrom) / to.Sub(from).Minutes()
	slices.Sort(rss)
	fmt.Printf("\nrecorder over %.1f min after a minute of warm-up (plugin process, /proc):\n", to.Sub(from).Minutes())
	fmt.Printf("  CPU                       %6.1f s per minute = %.1f%% of one core\n", perMinute, perMinute/60*100)
	fmt.Printf("  resident memory           %6.1f MiB median, %.1f MiB peak (VmHWM)\n", mib(rss[len(rss)/2]), mib(peak))
	b.ReportMetric(perMinute/60*100, "cpu-%")
	b.ReportMetric(mib(peak), "peak-rss-MiB")

	reportSpread(stats, from, to)
	reportLateness(b, stats, kind, from, to, interval)

	timeQuery := func(q string) (time.Duration, data.Frames, string) {
		start := time.Now()
		frames, errText := queryData(b, c, pc, q)
		return time.Since(start), frames, errText
	}
	fmt.Printf("\nqueries over every target (through the plugin protocol):\n")
	for i, what := range []string{"first", "repeated"} {
		took, frames, errText := timeQuery(`{"queryType":"metrics","view":"current","target":"*","metric":"goroutines"}`)
		fmt.Printf("  metrics current goroutines, %-8s %7.0f ms: %d numbers, %d notices %s\n", what, ms(took), len(frames), len(notices(frames)), errText)
		b.ReportMetric(ms(took), fmt.Sprintf("metrics-current-%d-ms", i+1))
	}
	for i, what := range []string{"first", "repeated"} {
		took, frames, errText := timeQuery(`{"queryType":"metrics","view":"current","target":"*"}`)
		fmt.Printf("  metrics current all,        %-8s %7.0f ms: %d numbers, %d up=0, %d notices %s\n", what, ms(took), numbers(frames), downRows(frames), len(notices(frames)), errText)
		b.ReportMetric(ms(took), fmt.Sprintf("metrics-current-all-%d-ms", i+1))
	}
	live := fmt.Sprintf(`svc-(%s)`, strings.Join(liveNames(ft), "|"))
	took, frames, errText := timeQuery(fmt.Sprintf(`{"queryType":"metrics","view":"current","target":%q}`, live))
	fmt.Printf("  metrics current all, the live targets only %5.0f ms: %d numbers, %d notices %s\n", ms(took), numbers(frames), len(notices(frames)), errText)
	b.ReportMetric(ms(took), "metrics-current-live-ms")
	for i, what := range []string{"first", "repeated"} {
		took, frames, errText := timeQuery(`{"queryType":"goroutines","view":"count","target":"*"}`)
		fmt.Printf("  goroutines count,           %-8s %7.0f ms: %d frames, %d notices %s\n", what, ms(took), len(frames), len(notices(frames)), errText)
		b.ReportMetric(ms(took), fmt.Sprintf("goroutines-count-%d-ms", i+1))
	}
	took, frames, errText = timeQuery(fmt.Sprintf(`{"queryType":"goroutines","view":"count","target":%q}`, live))
	fmt.Printf("  goroutines count, the live targets only    %5.0f ms: %d frames, %d notices %s\n", ms(took), len(frames), len(notices(frames)), errText)
	b.ReportMetric(ms(took), "goroutines-count-live-ms")
	fmt.Printf("  resident memory after the queries: %.1f MiB (peak %.1f MiB)\n", mib(processMemory(b, c.pid, "VmRSS")), mib(processMemory(b, c.pid, "VmHWM")))
	saveHeap("queries.pb.gz")
	// What queries keep of targets' responses is dropped once the
	// minimum interval (30 s) is over; the runtime gives the memory back
	// to the system gradually.
	time.Sleep(45 * time.Second)
	later := processMemory(b, c.pid, "VmRSS")
	fmt.Printf("  resident memory 45 s later: %.1f MiB\n", mib(later))
	b.ReportMetric(mib(later), "rss-after-queries-45s-MiB")
	saveHeap("later.pb.gz")

	res, err := c.diagnostics.CheckHealth(context.Background(), &pluginv2.CheckHealthRequest{PluginContext: pc})
	if err != nil {
		b.Fatal(err)
	}
	var details struct {
		Recorder map[string]int64 `json:"recorder"`
	}
	json.Unmarshal(res.JsonDetails, &details)
	fmt.Printf("\nrecorder counts since start (health check details): %v\n", details.Recorder)
}

// heapProfiler makes the plugin started next serve its pprof endpoints
// (GOSCOPE_PPROF_DEBUG_ADDR) when dir is set, and returns what saves its
// heap profile into dir.
func heapProfiler(b *testing.B, dir string) func(name string) {
	if dir == "" {
		return func(string) {}
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(b))
	b.Setenv("GOSCOPE_PPROF_DEBUG_ADDR", addr)
	return func(name string) {
		resp, err := http.Get("http://" + addr + "/debug/pprof/heap?gc=1")
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

func freePort(b *testing.B) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// liveNames are the numbers of the targets that answer.
func liveNames(ft fakeTargets) []string {
	var out []string
	for _, t := range ft.Targets {
		if t.Kind == "live" {
			out = append(out, strings.TrimPrefix(t.Name, "svc-"))
		}
	}
	return out
}

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// reportSpread prints how many requests the targets received per second
// within the window.
func reportSpread(s fakeStats, from, to time.Time) {
	var counts []int
	for sec := from.Unix() + 1; sec < to.Unix(); sec++ {
		counts = append(counts, s.PerSecond[sec])
	}
	slices.Sort(counts)
	hist := map[int]int{}
	for _, c := range counts {
		hist[c/10*10]++
	}
	fmt.Printf("\nrequests per second at the targets (index, /metrics, full dumps), %d seconds:\n", len(counts))
	fmt.Printf("  min %d, median %d, p99 %d, max %d\n", counts[0], counts[len(counts)/2], counts[len(counts)*99/100], counts[len(counts)-1])
	for _, k := range slices.Sorted(maps.Keys(hist)) {
		fmt.Printf("  %3d-%-3d per second: %4d seconds %s\n", k, k+9, hist[k], strings.Repeat("#", (hist[k]+1)/2))
	}
}

// reportLateness prints, for live targets, the longest gap between two
// samples in the window beyond the interval, the samples counted, and the
// spread of full dumps over 15 s windows.
func reportLateness(b *testing.B, s fakeStats, kind map[string]string, from, to time.Time, interval time.Duration) {
	var worst time.Duration
	worstTarget := ""
	samples, live := 0, 0
	for name, times := range s.Metrics {
		if kind[name] != "live" {
			continue
		}
		live++
		var in []int64
		for _, t := range times {
			if t >= from.UnixNano() && t < to.UnixNano() {
				in = append(in, t)
			}
		}
		samples += len(in)
		for i := 1; i < len(in); i++ {
			if late := time.Duration(in[i]-in[i-1]) - interval; late > worst {
				worst, worstTarget = late, name
			}
		}
	}
	expected := float64(live) * to.Sub(from).Seconds() / interval.Seconds()
	fmt.Printf("\nlive targets' samples (/metrics requests) in the window: %d of %.0f expected (%d live targets)\n", samples, expected, live)
	fmt.Printf("  longest gap between two samples of a live target: interval + %.0f ms (%s)\n", ms(worst), worstTarget)
	b.ReportMetric(ms(worst), "max-lateness-ms")
	windows := map[int64]int{}
	full := 0
	for _, times := range s.FullDumps {
		for _, t := range times {
			if t >= from.UnixNano() && t < to.UnixNano() {
				windows[(t-from.UnixNano())/int64(interval)]++
				full++
			}
		}
	}
	var perWindow []int
	for w := int64(0); w < int64(to.Sub(from)/interval); w++ {
		perWindow = append(perWindow, windows[w])
	}
	fmt.Printf("  full dumps in the window: %d; per 15 s window: %v\n", full, perWindow)
}

func numbers(frames data.Frames) int {
	n := 0
	for _, f := range frames {
		n += len(f.Fields)
	}
	return n
}

// downRows counts the up fields whose value is 0.
func downRows(frames data.Frames) int {
	n := 0
	for _, f := range frames {
		for _, field := range f.Fields {
			if field.Name == "up" && field.Len() > 0 {
				if v, ok := field.ConcreteAt(0); ok && v == 0.0 {
					n++
				}
			}
		}
	}
	return n
}
