package traces

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

func goldenTrace(t testing.TB, dir string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + dir + "/trace.out")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBadTraces(t *testing.T) {
	whole := goldenTrace(t, "go1.26")
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	for _, tc := range []struct {
		name string
		data []byte
		is   error
		says string
	}{
		{"empty", nil, ErrNotTrace, "empty"},
		{"garbage", garbage, ErrNotTrace, "not \"go 1.N trace\""},
		{"goroutine dump", []byte("goroutine 1 [running]:\nmain.main()\n"), ErrNotTrace, "goroutine 1"},
		{"Go 1.21 format", append([]byte("go 1.21 trace\x00\x00\x00"), whole[16:]...), ErrUnsupportedVersion, "Go 1.21 execution trace"},
		{"Go 1.19 format", []byte("go 1.19 trace\x00\x00\x00\x00"), ErrUnsupportedVersion, "Go 1.19"},
		{"future format", append([]byte("go 1.31 trace\x00\x00\x00"), whole[16:]...), ErrUnsupportedVersion, "Go 1.31"},
		{"header only", whole[:16], ErrNotTrace, "no goroutine events"},
		{"garbage after the header", append(append([]byte{}, whole[:16]...), garbage...), nil, "Go 1.26 trace"},
		{"first generation cut", whole[:len(whole)/8], nil, "Go 1.26 trace"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Analyze(bytes.NewReader(tc.data), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
		})
	}
}

// A trace cut inside a generation shows what came before, with a warning.
func TestTruncatedTrace(t *testing.T) {
	whole := goldenTrace(t, "go1.26-long")
	full, err := Analyze(bytes.NewReader(whole), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cut, err := Analyze(bytes.NewReader(whole[:len(whole)*3/4]), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cut.Warning == "" || !strings.Contains(cut.Warning, "cut short") {
		t.Errorf("warning %q", cut.Warning)
	}
	if full.Warning != "" {
		t.Errorf("whole trace has a warning: %q", full.Warning)
	}
	if cut.End >= full.End || cut.Events >= full.Events {
		t.Errorf("cut trace reads as far as the whole one: %d/%d events", cut.Events, full.Events)
	}
}

// A generation over the budget is refused before the reader buffers it.
func TestGenerationBudget(t *testing.T) {
	whole := goldenTrace(t, "go1.26")
	counted := &countingReader{r: bytes.NewReader(whole)}
	_, err := Analyze(counted, Options{MaxGenerationBytes: 8 << 10})
	if !errors.Is(err, errGenerationTooLarge) {
		t.Fatalf("error %v, want the generation budget", err)
	}
	if !strings.Contains(err.Error(), "generation") {
		t.Errorf("error %q", err)
	}
	if counted.n > 64<<10 {
		t.Errorf("read %d bytes of a trace whose generation budget is 8 KiB", counted.n)
	}
}

// A reader that fails mid-way gives a warning, not a crash.
func TestReadError(t *testing.T) {
	whole := goldenTrace(t, "go1.26-long")
	r := io.MultiReader(bytes.NewReader(whole[:len(whole)/2]), iotestErr{})
	res, err := Analyze(r, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Warning, "disk on fire") {
		t.Errorf("warning %q does not carry the read error", res.Warning)
	}
}

type iotestErr struct{}

func (iotestErr) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// FuzzAnalyze feeds Analyze mutations of real traces: it must not panic,
// must keep its bounds, and what it returns must be self-consistent.
func FuzzAnalyze(f *testing.F) {
	for _, gd := range goldenDirs {
		data := goldenTrace(f, gd.dir)
		f.Add(data[:min(len(data), 8<<10)])
	}
	f.Add([]byte("go 1.26 trace\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Analyze(bytes.NewReader(data), Options{MaxGenerationBytes: 1 << 20, TopGoroutines: 3, MaxBuckets: 50, Timeline: map[uint64]bool{1: true}})
		if err != nil {
			return
		}
		if res.End < res.Start {
			t.Fatalf("end %d before start %d", res.End, res.Start)
		}
		if n := res.States.Buckets(); n > 50 || n < 1 {
			t.Fatalf("%d buckets", n)
		}
		for k, bs := range res.Blocking {
			for _, b := range bs {
				if b.Count <= 0 || b.Nanos <= 0 || int(b.Stack) >= res.Stacks.Len() {
					t.Fatalf("%s: bad record %+v", k, b)
				}
			}
		}
	})
}
