package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// dumpEvery writes the process's goroutine profile (debug=1, as holmes'
// text mode does), a full goroutine dump (debug=2) and its heap profile
// into dir every interval, named like goroutine.20260121103015.000.log, so
// the data source's dump directories have a history to show.
func dumpEvery(ctx context.Context, dir string, interval time.Duration) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		log.Printf("dump directory: %v", err)
		return
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		if err := writeDumps(dir, time.Now()); err != nil {
			log.Printf("writing dumps: %v", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

func writeDumps(dir string, at time.Time) error {
	stamp := at.UTC().Format("20060102150405") + fmt.Sprintf(".%03d", at.Nanosecond()/1e6)
	for _, d := range []struct {
		kind, profile string
		debug         int
	}{
		{"goroutine", "goroutine", 1},
		{"goroutine-full", "goroutine", 2},
		{"heap", "heap", 1},
	} {
		if err := writeAtomically(filepath.Join(dir, d.kind+"."+stamp+".log"), func(f *os.File) error {
			return pprof.Lookup(d.profile).WriteTo(f, d.debug)
		}); err != nil {
			return err
		}
	}
	return nil
}

// writeAtomically writes through a temporary name so a reader never sees
// a half-written dump.
func writeAtomically(path string, write func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".dump-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// Readable by other users: Grafana reads the directory as its own user.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
