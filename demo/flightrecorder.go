package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/trace"
	"time"
)

// The flight recorder keeps the last seconds of the execution trace in
// memory (tracing costs 1-2% CPU) and writes them out when the service
// misbehaves: when the goroutine count jumps, as it does when a scenario
// starts piling goroutines up, and every few minutes while a scenario holds
// goroutines, so a dashboard over the last minutes always has one. The
// snapshot lands in the dump directory beside the dumps, as
// trace.<time>.out, for the data source's trace views.
const (
	recorderWindow   = 10 * time.Second
	recorderMaxBytes = 16 << 20
	// A jump is this many more goroutines than a second before, and at
	// least this share more.
	jumpGoroutines = 50
	jumpShare      = 0.25
	// After a snapshot the next waits this long, so a long pile-up makes
	// one snapshot a minute, not one a second.
	snapshotCooldown = time.Minute
	// While a scenario holds goroutines, a snapshot at least this often.
	misbehavingSnapshotEvery = 5 * time.Minute
)

// startFlightRecorder starts a flight recorder and returns the loop that
// writes a snapshot into dir each time the goroutine count jumps, and
// regularly while misbehaving says a scenario holds goroutines, until its
// context ends. The count it starts from is taken now, so scenarios started
// next count as a jump.
func startFlightRecorder(dir string, misbehaving func() bool) (func(context.Context), error) {
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: recorderWindow, MaxBytes: recorderMaxBytes})
	if err := fr.Start(); err != nil {
		return nil, err
	}
	last := runtime.NumGoroutine()
	return func(ctx context.Context) {
		defer fr.Stop()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		var lastSnapshot time.Time
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-tick.C:
				n := runtime.NumGoroutine()
				due := misbehaving() && now.Sub(lastSnapshot) >= misbehavingSnapshotEvery
				if due || jumped(last, n) && now.Sub(lastSnapshot) >= snapshotCooldown {
					// Let the pile-up show in the window before writing it.
					time.Sleep(2 * time.Second)
					if err := writeFlight(fr, dir, time.Now()); err != nil {
						log.Printf("flight recorder snapshot: %v", err)
					}
					lastSnapshot = now
				}
				last = n
			}
		}
	}, nil
}

// jumped reports a goroutine count that grew suddenly.
func jumped(before, now int) bool {
	return now-before >= jumpGoroutines && float64(now-before) >= jumpShare*float64(before)
}

func writeFlight(fr *trace.FlightRecorder, dir string, at time.Time) error {
	stamp := at.UTC().Format("20060102150405") + fmt.Sprintf(".%03d", at.Nanosecond()/1e6)
	return writeAtomically(filepath.Join(dir, "trace."+stamp+".out"), func(f *os.File) error {
		_, err := fr.WriteTo(f)
		return err
	})
}
