package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/trace"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/traces"
)

func TestJumped(t *testing.T) {
	for _, c := range []struct {
		before, now int
		want        bool
	}{{10, 20, false}, {10, 70, true}, {1000, 1060, false}, {1000, 1300, true}, {300, 10, false}} {
		if got := jumped(c.before, c.now); got != c.want {
			t.Errorf("jumped(%d, %d) = %v", c.before, c.now, got)
		}
	}
}

// A snapshot of the flight recorder is a trace the data source reads, with
// the goroutines a scenario piled up.
func TestFlightSnapshot(t *testing.T) {
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: time.Second, MaxBytes: 1 << 20})
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	defer fr.Stop()
	s := &service{}
	if err := s.chanBlock.start(20); err != nil {
		t.Fatal(err)
	}
	defer s.chanBlock.release()
	time.Sleep(100 * time.Millisecond)
	dir := t.TempDir()
	at := time.Date(2026, 1, 21, 10, 30, 15, 0, time.UTC)
	if err := writeFlight(fr, dir, at); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "trace.20260121103015.000.out"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := traces.Analyze(bytes.NewReader(data), traces.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events == 0 || len(res.Groups) == 0 {
		t.Errorf("snapshot with %d events, %d goroutine groups", res.Events, len(res.Groups))
	}
}
