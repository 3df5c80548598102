package dumpformat

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/goscope/pprof/pkg/internal/hostile"
)

func deepProfile(t testing.TB, samples, depth int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := hostile.WriteDeepCPUProfile(&buf, samples, depth); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// gzip(gzip(zeros)) is a few KiB whose first layer inflates to a gzip
// stream; the gate refuses it on the first bytes of that stream.
func TestNestedGzipIsRefused(t *testing.T) {
	bomb := hostile.NestedGzipBomb(64 << 20)
	var err error
	used := hostile.Allocated(func() { _, _, err = Decode(bomb, Limits{MaxDecompressedBytes: 4 << 20}) })
	if !errors.Is(err, ErrNestedGzip) {
		t.Fatalf("err = %v, want ErrNestedGzip", err)
	}
	if used > 4<<20 {
		t.Errorf("refusing gzip inside gzip allocated %d bytes", used)
	}
	if _, _, err := Decode(hostile.Gzip(hostile.Gzip([]byte("goroutine 1 [running]:\n"))), Limits{}); !errors.Is(err, ErrNestedGzip) {
		t.Errorf("small nested gzip: err = %v", err)
	}
}

func TestTruncatedGzipIsAnErrorNotAShortResult(t *testing.T) {
	whole := readTestdata(t, "go1.19/heap.pb.gz")
	plain, _, err := Decode(whole[:len(whole)-12], Limits{})
	if err == nil || !strings.Contains(err.Error(), "truncated") || plain != nil {
		t.Errorf("plain %d bytes, err = %v; want no content and a truncation error", len(plain), err)
	}
}

// One byte of packed location ids decodes into sixteen in google/pprof and
// more once walked; the bound refuses before anything is decoded.
func TestPackedLocationIDsAreCountedBeforeDecoding(t *testing.T) {
	data := deepProfile(t, 1, 3_000_000)
	var err error
	used := hostile.Allocated(func() { _, _, err = ParsePprof(data, Limits{MaxStackFrames: 2_000_000}) })
	var bound *BoundError
	if !errors.As(err, &bound) || bound.What != "stack frames" || !strings.Contains(err.Error(), "maxStackFrames") {
		t.Fatalf("err = %v, want a stack frames bound naming maxStackFrames", err)
	}
	// Decoding would take at least 16 bytes per frame (48 MB).
	if used > 1<<20 {
		t.Errorf("refusing the profile allocated %d bytes", used)
	}
	if _, _, err := Inspect("cpu.pb.gz", hostile.Gzip(data), Limits{MaxStackFrames: 2_000_000}); !errors.As(err, &bound) {
		t.Errorf("Inspect: err = %v, want the bound", err)
	}
	if d := Detect("cpu.pb", deepProfile(t, 1, DefaultMaxStackFrames+1)); d.Format != Unknown || !strings.Contains(d.Reason, "stack frames") {
		t.Errorf("Detect: %+v", d)
	}
}

// Two samples sharing a stack two million frames deep: decoded, then cut
// to their innermost MaxStackDepth frames, with a notice.
func TestDeepStacksAreCut(t *testing.T) {
	const depth = 2_000_000
	p, cut, err := ParsePprof(deepProfile(t, 2, depth), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Sample {
		if len(s.Location) != MaxStackDepth || s.Location[0].Line[0].Function.Name != hostile.FuncA {
			t.Errorf("sample of %d locations, leaf %s; want the innermost %d", len(s.Location), s.Location[0].Line[0].Function.Name, MaxStackDepth)
		}
	}
	if cut != (StackCut{Stacks: 2, Depth: MaxStackDepth, Deepest: depth}) {
		t.Errorf("cut = %+v", cut)
	}
	want := "2 stacks were deeper than 10000 frames (the deepest had 2000000) and cut to the innermost 10000"
	if !strings.Contains(cut.Notice(), want) {
		t.Errorf("notice %q lacks %q", cut.Notice(), want)
	}
	if (StackCut{}).Notice() != "" {
		t.Error("a notice without a cut")
	}
}

func TestProfileBounds(t *testing.T) {
	fn := &profile.Function{ID: 1, Name: "main.f"}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}},
		Mapping:    []*profile.Mapping{{ID: 1, File: "app"}},
		Function:   []*profile.Function{fn},
	}
	for i := range 20 {
		loc := &profile.Location{ID: uint64(i + 1), Mapping: p.Mapping[0], Line: []profile.Line{{Function: fn}}}
		p.Location = append(p.Location, loc)
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{loc}, Value: []int64{1}})
	}
	var buf bytes.Buffer
	if err := p.WriteUncompressed(&buf); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lim  Limits
		want string
	}{
		{Limits{MaxSamples: 19}, "more than 19 samples (the bound set by maxProfileSamples)"},
		{Limits{MaxLocations: 19}, "more than 19 locations (the bound set by maxProfileLocations)"},
		{Limits{MaxStackFrames: 19}, "more than 19 stack frames (the bound set by maxStackFrames)"},
		{Limits{MaxStackFrames: 40}, "more than 40 lines, values, labels and strings"},
	} {
		_, _, err := ParsePprof(buf.Bytes(), c.lim)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.lim, err, c.want)
		}
	}
	if _, _, err := ParsePprof(buf.Bytes(), Limits{MaxSamples: 20, MaxLocations: 20, MaxStackFrames: 60}); err != nil {
		t.Errorf("at the bounds: %v", err)
	}
}

// The scan counts what google/pprof decodes, on every real profile.
func TestScanCountsWhatTheDecoderMakes(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.pb.gz")
	if len(files) == 0 {
		t.Fatal("no profiles in testdata")
	}
	for _, file := range files {
		plain, _, err := Decode(readTestdata(t, strings.TrimPrefix(file, "testdata/")), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		checkScanMatchesDecoder(t, plain)
	}
}

// checkScanMatchesDecoder fails when the scan counts less than google/pprof
// decodes from data.
func checkScanMatchesDecoder(t *testing.T, data []byte) {
	t.Helper()
	p, err := profile.ParseUncompressed(data)
	if err != nil {
		return
	}
	c, err := scanPprof(data)
	switch {
	case err != nil && strings.Contains(err.Error(), "field number 0"):
		// Invalid protobuf that google/pprof skips; the scan refuses it.
		return
	case err != nil:
		t.Fatalf("the decoder reads what the scan calls malformed: %v", err)
	}
	refs := 0
	for _, s := range p.Sample {
		refs += len(s.Location)
	}
	decoded := pprofCounts{samples: len(p.Sample), locations: len(p.Location), functions: len(p.Function), mappings: len(p.Mapping), locationRefs: refs}
	if c.samples < decoded.samples || c.locations < decoded.locations || c.functions < decoded.functions ||
		c.mappings < decoded.mappings || c.locationRefs < decoded.locationRefs {
		t.Fatalf("scan %+v counts less than the decoder %+v", c, decoded)
	}
}

// checkScanInPieces fails when the scan counts data written in pieces,
// as a decompressor writes it, differently from data written whole (or
// finds it broken when the other does not).
func checkScanInPieces(t *testing.T, data []byte) {
	t.Helper()
	whole, wholeErr := scanPprof(data)
	var s pprofScanner
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 1+len(rest)%7)
		s.Write(rest[:n])
		rest = rest[n:]
	}
	s.Close()
	if (s.err == nil) != (wholeErr == nil) || wholeErr == nil && s.counts != whole {
		t.Fatalf("in pieces %+v (%v), whole %+v (%v)", s.counts, s.err, whole, wholeErr)
	}
}

func TestScanInPieces(t *testing.T) {
	for _, name := range []string{"go1.19/heap.pb.gz", "go1.27/cpu.pb.gz"} {
		plain, _, err := Decode(readTestdata(t, name), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		checkScanInPieces(t, plain)
	}
	checkScanInPieces(t, deepProfile(t, 3, 5000))
}

func FuzzParsePprof(f *testing.F) {
	for _, name := range []string{"go1.19/heap.pb.gz", "go1.27/cpu.pb.gz", "go1.26/goroutineleak.pb.gz"} {
		plain, _, err := Decode(readTestdata(f, name), Limits{})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(plain)
	}
	f.Add(deepProfile(f, 2, 100))
	f.Add(deepProfile(f, 1, MaxStackDepth+2))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanMatchesDecoder(t, data)
		checkScanInPieces(t, data)
		p, cut, err := ParsePprof(data, Limits{MaxStackFrames: 40_000})
		if err != nil {
			return
		}
		frames := 0
		for _, s := range p.Sample {
			depth := 0
			for _, loc := range s.Location {
				depth += max(1, len(loc.Line))
			}
			if depth > MaxStackDepth {
				t.Fatalf("a stack of %d frames was kept", depth)
			}
			frames += depth
		}
		if frames > 40_000 || cut.Stacks > len(p.Sample) {
			t.Fatalf("%d frames kept, cut %+v", frames, cut)
		}
	})
}

// The 389 KB profile that decompressed to 300 million frames, scaled: the
// gate counts it as it decompresses and refuses it without holding the
// 30 MB it expands to.
func TestProfileBeyondTheBoundsIsRefusedWhileDecompressed(t *testing.T) {
	data := hostile.DeepCPUProfile(1, 30_000_000)
	var err error
	used := hostile.Allocated(func() { _, _, err = Decode(data, Limits{}) })
	var bound *BoundError
	if !errors.As(err, &bound) || bound.What != "stack frames" || !IsLimitError(err) {
		t.Fatalf("err = %v, want the stack frames bound", err)
	}
	if used > 4<<20 {
		t.Errorf("refusing %d KiB that expand to 30 MB allocated %d KiB", len(data)>>10, used>>10)
	}
	// Data that proves not to be a profile is only measured.
	text := hostile.Gzip(hostile.DeepGoroutineDump(100_000))
	if _, _, err := Decode(text, Limits{MaxStackFrames: 10_000}); err != nil {
		t.Errorf("text: %v", err)
	}
}
