package goroutines

import (
	"errors"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/internal/hostile"
)

// The hostile inputs of the catalogue that reach the goroutine parser.

// A debug=2 dump with one goroutine of 300 000 frame lines between two
// ordinary goroutines: the deep one keeps its innermost frames and its
// creator, the next one is read as usual, and the snapshot says what was
// cut.
func TestDeepGoroutineIsCut(t *testing.T) {
	const depth = 300_000
	data := hostile.DeepGoroutineDump(depth)
	var s *Snapshot
	var err error
	used := hostile.Allocated(func() { s, err = Parse(data, dumpformat.Limits{}) })
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Goroutines) != 3 || s.Goroutines[2].ID != 8 || s.Goroutines[2].Stack.Frames[0].Func != "main.worker" {
		t.Fatalf("%d goroutines: %+v", len(s.Goroutines), s.Goroutines)
	}
	deep := s.Goroutines[1].Stack
	if len(deep.Frames) != dumpformat.MaxStackDepth || deep.Frames[0].Func != hostile.FuncA || deep.CreatedBy.Func != "main.main" {
		t.Errorf("deep goroutine: %d frames from %s, created by %q", len(deep.Frames), deep.Frames[0].Func, deep.CreatedBy.Func)
	}
	if want := (dumpformat.StackCut{Stacks: 1, Depth: dumpformat.MaxStackDepth, Deepest: depth}); s.CutStacks != want {
		t.Errorf("cut = %+v, want %+v", s.CutStacks, want)
	}
	// What is kept is bounded by the cut, not by the input (10 MB).
	if used > uint64(len(data)) {
		t.Errorf("parsing allocated %d MiB for %d MiB of input", used>>20, len(data)>>20)
	}
}

func TestDeepDebug1RecordIsCut(t *testing.T) {
	s, err := Parse(hostile.DeepGoroutineText(100_000), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Goroutines) != 2 || len(s.Goroutines[0].Stack.Frames) != dumpformat.MaxStackDepth || s.Total != 3 {
		t.Fatalf("%d records, first of %d frames, total %d", len(s.Goroutines), len(s.Goroutines[0].Stack.Frames), s.Total)
	}
	if s.CutStacks.Stacks != 1 || s.CutStacks.Deepest != 100_000 {
		t.Errorf("cut = %+v", s.CutStacks)
	}
}

func TestDeepProtobufGoroutineProfile(t *testing.T) {
	s, err := Parse(hostile.DeepGoroutineProfile(2, 1_000_000), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Goroutines) != 2 || len(s.Goroutines[0].Stack.Frames) != dumpformat.MaxStackDepth || s.CutStacks.Stacks != 2 {
		t.Fatalf("%d goroutines, %d frames, cut %+v", len(s.Goroutines), len(s.Goroutines[0].Stack.Frames), s.CutStacks)
	}
	_, err = Parse(hostile.DeepGoroutineProfile(1, 3_000_000), dumpformat.Limits{MaxStackFrames: 2_000_000})
	var bound *dumpformat.BoundError
	if !errors.As(err, &bound) {
		t.Errorf("beyond the frame bound: %v", err)
	}
}

func TestNestedGzipDump(t *testing.T) {
	s, err := Parse(hostile.Gzip(hostile.Gzip([]byte(smallDump))), dumpformat.Limits{})
	if s != nil || !errors.Is(err, dumpformat.ErrNestedGzip) {
		t.Errorf("gzip inside gzip: %v, %v", s, err)
	}
	if _, err := Parse(hostile.Gzip([]byte(smallDump)), dumpformat.Limits{MaxDecompressedBytes: 100}); !dumpformat.IsLimitError(err) {
		t.Errorf("beyond the decompressed limit: %v", err)
	}
}

func TestDeepRaceStackIsCut(t *testing.T) {
	s, err := Parse(hostile.DeepRaceReport(50_000), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Races) != 1 || len(s.Races[0].Accesses) != 2 {
		t.Fatalf("races %+v", s.Races)
	}
	a := s.Races[0].Accesses
	if len(a[0].Stack.Frames) != dumpformat.MaxStackDepth || a[1].Stack.Frames[0].Func != "main.reader" {
		t.Errorf("accesses of %d and %d frames", len(a[0].Stack.Frames), len(a[1].Stack.Frames))
	}
	if s.CutStacks.Stacks != 1 || s.CutStacks.Deepest != 50_000 {
		t.Errorf("cut = %+v", s.CutStacks)
	}
}
