package stackgroups

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/goroutines"
)

// FuzzAnalysis runs every view on whatever the parser makes of the input,
// with filters of every kind: nothing may panic, and the views must agree
// on the number of goroutines.
func FuzzAnalysis(f *testing.F) {
	for _, name := range []string{"corpus/go1.27-samples/tracebacks/deadlock.txt", "corpus/go1.27-samples/pprof-http/goroutine_debug_1.txt", "corpus/go1.27-samples/tracebacks/panic_ancestors.txt",
		"corpus/go1.27-samples/pprof-http/goroutineleak_debug_2.txt"} {
		data, err := os.ReadFile(filepath.Join("..", "goroutines", "testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "chan receive", "main", 1, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, state, include string, minWait int, hideSystem bool) {
		snaps, _ := goroutines.ParseAll(data, dumpformat.Limits{})
		filter := Filter{States: []string{state}, Include: include, MinWaitMinutes: minWait, HideSystem: hideSystem}
		for _, s := range snaps {
			c, err := Count(s, filter)
			if err != nil {
				return // an invalid regular expression
			}
			groups, _ := Groups(s, filter)
			n := 0
			for _, g := range groups {
				n += g.Count
			}
			if n != c.Total {
				t.Fatalf("groups hold %d goroutines, count says %d", n, c.Total)
			}
			Leaks(groups)
			States(s, filter)
			Categories(s, filter)
			tl, _ := BuildTimeline(s, filter, time.Unix(1e9, 0))
			for _, series := range tl.Series {
				if len(series.Started) != len(tl.Times) || len(series.Cumulative) != len(tl.Times) {
					t.Fatal("series and times differ in length")
				}
			}
		}
	})
}
