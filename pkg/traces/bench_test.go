package traces

import (
	"bytes"
	"io"
	"testing"

	"golang.org/x/exp/trace"
)

// BenchmarkAnalyze is the whole analysis (every view) of a real trace;
// the peers, measured in the same run, are the bare event loop of
// golang.org/x/exp/trace (the floor) and that loop keeping every event in
// memory, which `go tool trace` does before it computes anything.
func BenchmarkAnalyze(b *testing.B) {
	data := goldenTrace(b, "go1.26-long")
	b.Run("pkg/traces", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Analyze(bytes.NewReader(data), Options{TopGoroutines: 20}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("peer=read-events", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			readEvents(b, data, false)
		}
	})
	b.Run("peer=keep-events", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			readEvents(b, data, true)
		}
	})
}

func readEvents(b *testing.B, data []byte, keep bool) []trace.Event {
	r, err := trace.NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	var kept []trace.Event
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			return kept
		}
		if err != nil {
			b.Fatal(err)
		}
		if keep {
			kept = append(kept, ev)
		}
	}
}
