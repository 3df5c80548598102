package recorder

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestAddKeepsRetentionAndOrder(t *testing.T) {
	r := New([]string{"a"}, time.Second, 10*time.Second, nil)
	base := time.Unix(1000, 0)
	for i := range 30 {
		r.add("a", Sample{At: base.Add(time.Duration(i) * time.Second), Values: map[string]float64{"goroutines": float64(i)}})
	}
	all := r.Range("a", base, base.Add(time.Hour))
	if len(all) != 11 || all[0].Values["goroutines"] != 19 || all[10].Values["goroutines"] != 29 {
		t.Fatalf("kept %d samples from %v to %v", len(all), all[0].Values, all[len(all)-1].Values)
	}
	mid := r.Range("a", base.Add(22*time.Second), base.Add(24*time.Second))
	if len(mid) != 3 || mid[0].Values["goroutines"] != 22 {
		t.Errorf("range = %v", mid)
	}
	if got := r.Range("a", base.Add(time.Hour), base.Add(2*time.Hour)); got != nil {
		t.Errorf("future range = %v", got)
	}
	if got := r.Range("other", base, base.Add(time.Hour)); got != nil {
		t.Errorf("unknown target = %v", got)
	}
}

func TestStartSamplesEveryTargetUntilStopped(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	r := New([]string{"a", "b"}, 10*time.Millisecond, time.Hour, func(ctx context.Context, target string) map[string]float64 {
		mu.Lock()
		defer mu.Unlock()
		calls[target]++
		return map[string]float64{"up": 1}
	})
	r.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		enough := calls["a"] >= 3 && calls["b"] >= 3
		mu.Unlock()
		if enough || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.Stop()
	if n := len(r.Range("a", time.Time{}, time.Now())); n < 3 {
		t.Errorf("a has %d samples; want at least 3", n)
	}
	mu.Lock()
	after := calls["a"]
	mu.Unlock()
	time.Sleep(30 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if calls["a"] != after {
		t.Error("sampling continued after Stop")
	}
}
