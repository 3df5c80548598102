package stackgroups

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"
)

// bigDumpGoroutines is the size of the benchmark dump.
const bigDumpGoroutines = 100000

// bigDump returns a real goroutine?debug=2 dump of about 30 MiB: the output
// of testdata/bigdump/main.go.txt with 100 000 goroutines, built and run
// with the local Go toolchain on first use and cached in the user cache
// directory. GOROUTINE_DUMP names another dump to use instead.
func bigDump(tb testing.TB) []byte {
	tb.Helper()
	if path := os.Getenv("GOROUTINE_DUMP"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		return data
	}
	src, err := os.ReadFile(filepath.Join("testdata", "bigdump", "main.go.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	sum := sha256.Sum256(append(src, runtime.Version()...))
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	path := filepath.Join(cache, "goscope-pprof", "bigdump-"+hex.EncodeToString(sum[:6])+"-"+strconv.Itoa(bigDumpGoroutines)+".txt")
	if data, err := os.ReadFile(path); err == nil {
		return data
	}
	if err := generateBigDump(tb, src, path); err != nil {
		tb.Skipf("cannot generate the benchmark dump: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func generateBigDump(tb testing.TB, src []byte, path string) error {
	tb.Helper()
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module bigdump\n\ngo 1.21\n"), 0o644); err != nil {
		return err
	}
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goTool); err != nil {
		goTool = "go"
	}
	build := exec.Command(goTool, "build", "-o", "bigdump", ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		tb.Logf("%s", out)
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	run := exec.Command(filepath.Join(dir, "bigdump"), "-n", strconv.Itoa(bigDumpGoroutines), "-out", tmp)
	if out, err := run.CombinedOutput(); err != nil {
		tb.Logf("%s", out)
		return err
	}
	return os.Rename(tmp, path)
}

// heapUse is what one run of a function costs in memory, relative to its
// input.
type heapUse struct {
	// peak is the input plus the largest heap growth seen while the
	// function ran (sampled every few hundred microseconds), over the
	// input: the peak heap a caller holding only the input would see.
	peak float64
	// alloc is the bytes it allocated in all.
	alloc float64
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

func heapObjects() uint64 {
	metrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}

// measureHeap runs fn once after a GC and reports its heap use over the
// input size. With GOMAXPROCS=1 the sampler runs at preemption points only,
// so peak is a lower bound; 1+alloc (input plus everything allocated) is an
// upper bound.
func measureHeap(inputSize int, fn func()) heapUse {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	base := heapObjects()
	peak := base
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(200 * time.Microsecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				h := heapObjects()
				mu.Lock()
				peak = max(peak, h)
				mu.Unlock()
			}
		}
	}()
	fn()
	h := heapObjects()
	close(done)
	wg.Wait()
	runtime.ReadMemStats(&after)
	peak = max(peak, h)
	return heapUse{
		peak:  float64(uint64(inputSize)+peak-base) / float64(inputSize),
		alloc: float64(after.TotalAlloc-before.TotalAlloc) / float64(inputSize),
	}
}

// reportThroughput adds MiB/s (binary megabytes, unlike the MB/s of
// SetBytes) and the heap use to a benchmark's results.
func reportThroughput(b *testing.B, size int, use heapUse) {
	b.ReportMetric(float64(size)*float64(b.N)/b.Elapsed().Seconds()/(1<<20), "MiB/s")
	b.ReportMetric(use.peak, "peak-heap/input")
	b.ReportMetric(use.alloc, "alloc/input")
}
