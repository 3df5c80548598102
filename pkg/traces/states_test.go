package traces

import (
	"math"
	"testing"
	"time"
)

// The state series are exact: the goroutine-time under all of them equals
// the time every goroutine spent in the trace, whatever the bucket width.
func TestStatesAreExact(t *testing.T) {
	for _, bucket := range []time.Duration{0, time.Millisecond, 7 * time.Millisecond} {
		res := analyzeFile(t, "testdata/go1.26-long/trace.out", Options{Bucket: bucket, MaxBuckets: 300})
		s := res.States
		if n := s.Buckets(); n > 300 || n < minPanelBuckets {
			t.Errorf("bucket %v: %d buckets", bucket, n)
		}
		var under float64
		for b := range s.Buckets() {
			lo := s.Start + int64(b)*s.Width
			w := float64(min(s.Width, res.End-lo))
			for c := range numCategories {
				under += (s.User[c][b] + s.System[c][b]) * w
			}
		}
		var total time.Duration
		for _, g := range res.Groups {
			total += g.Total
		}
		if math.Abs(under-float64(total)) > 1e-6*float64(total) {
			t.Errorf("bucket %v: %.0f goroutine-ns under the series, %d in the goroutines' totals", bucket, under, total)
		}
	}
}

// A panel interval too coarse for the trace gives way to one fitted to it.
func TestStatesResolution(t *testing.T) {
	fine := analyzeFile(t, "testdata/go1.26/trace.out", Options{Bucket: 50 * time.Millisecond})
	if fine.States.Width >= int64(50*time.Millisecond) || fine.States.Buckets() < minPanelBuckets {
		t.Errorf("a 400 ms trace at a 50 ms interval: %d buckets of %v", fine.States.Buckets(), time.Duration(fine.States.Width))
	}
	panel := analyzeFile(t, "testdata/go1.26/trace.out", Options{Bucket: time.Millisecond})
	if panel.States.Width != int64(time.Millisecond) {
		t.Errorf("a 400 ms trace at a 1 ms interval: buckets of %v", time.Duration(panel.States.Width))
	}
}
