package parsecache

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func constant(v string, size int64, loads *atomic.Int32) func() (string, int64, error) {
	return func() (string, int64, error) {
		loads.Add(1)
		return v, size, nil
	}
}

func TestLoadsOncePerKey(t *testing.T) {
	c := New[string](100)
	var loads atomic.Int32
	for i := range 10 {
		v, outcome, err := c.Get("a", constant("parsed", 10, &loads))
		if err != nil || v != "parsed" {
			t.Fatalf("get %d: %q %v", i, v, err)
		}
		if want := map[bool]Outcome{true: Loaded, false: Cached}[i == 0]; outcome != want {
			t.Errorf("get %d: outcome %v, want %v", i, outcome, want)
		}
	}
	if loads.Load() != 1 {
		t.Errorf("%d loads", loads.Load())
	}
	if s := c.Stats(); s.Hits != 9 || s.Loads != 1 || s.Entries != 1 || s.Bytes != 10 {
		t.Errorf("stats = %+v", s)
	}
}

func TestConcurrentLoadsOfOneKeyAreShared(t *testing.T) {
	c := New[string](100)
	var loads atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{})
	load := func() (string, int64, error) {
		loads.Add(1)
		close(started)
		<-release
		return "parsed", 10, nil
	}
	const callers = 8
	var wg sync.WaitGroup
	outcomes := make([]Outcome, callers)
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, outcomes[0], _ = c.Get("a", load)
	}()
	<-started
	for i := 1; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, o, err := c.Get("a", func() (string, int64, error) { return "", 0, errors.New("a second load ran") })
			if err != nil || v != "parsed" {
				t.Errorf("caller %d: %q %v", i, v, err)
			}
			outcomes[i] = o
		}()
	}
	// The waiting callers may still be on their way to the flight when it
	// lands; those then find the value cached. Either way none loads.
	close(release)
	wg.Wait()
	if loads.Load() != 1 || outcomes[0] != Loaded {
		t.Errorf("%d loads, first outcome %v", loads.Load(), outcomes[0])
	}
	for i, o := range outcomes[1:] {
		if o == Loaded {
			t.Errorf("caller %d loaded", i+1)
		}
	}
}

func TestEvictsLeastRecentlyUsedWithinBudget(t *testing.T) {
	c := New[string](30)
	var loads atomic.Int32
	for _, k := range []string{"a", "b", "c"} {
		c.Get(k, constant(k, 10, &loads))
	}
	c.Get("a", constant("a", 10, &loads)) // a is now the most recent
	c.Get("d", constant("d", 10, &loads)) // evicts b
	if s := c.Stats(); s.Bytes != 30 || s.Entries != 3 || s.Evictions != 1 {
		t.Errorf("stats = %+v", s)
	}
	before := loads.Load()
	for _, k := range []string{"a", "c", "d"} {
		if _, o, _ := c.Get(k, constant(k, 10, &loads)); o != Cached {
			t.Errorf("%s: outcome %v", k, o)
		}
	}
	if _, o, _ := c.Get("b", constant("b", 10, &loads)); o != Loaded || loads.Load() != before+1 {
		t.Errorf("b: outcome %v", o)
	}
}

func TestValueLargerThanBudgetIsReturnedNotKept(t *testing.T) {
	c := New[string](30)
	var loads atomic.Int32
	c.Get("small", constant("small", 10, &loads))
	for range 2 {
		v, o, err := c.Get("big", constant("big", 31, &loads))
		if v != "big" || o != Loaded || err != nil {
			t.Errorf("big: %q %v %v", v, o, err)
		}
	}
	if s := c.Stats(); s.TooLarge != 2 || s.Entries != 1 || s.Evictions != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestZeroBudgetKeepsNothing(t *testing.T) {
	c := New[string](0)
	var loads atomic.Int32
	c.Get("a", constant("a", 1, &loads))
	c.Get("a", constant("a", 1, &loads))
	if loads.Load() != 2 || c.Stats().Entries != 0 {
		t.Errorf("%d loads, stats %+v", loads.Load(), c.Stats())
	}
}

func TestFailedLoadIsNotCached(t *testing.T) {
	c := New[string](100)
	fail := errors.New("unreadable")
	if _, _, err := c.Get("a", func() (string, int64, error) { return "", 0, fail }); !errors.Is(err, fail) {
		t.Fatalf("err = %v", err)
	}
	var loads atomic.Int32
	if v, o, err := c.Get("a", constant("a", 1, &loads)); v != "a" || o != Loaded || err != nil {
		t.Errorf("after a failure: %q %v %v", v, o, err)
	}
}

func TestManyKeysConcurrently(t *testing.T) {
	c := New[string](50)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				k := fmt.Sprint((g + i) % 13)
				v, _, err := c.Get(k, func() (string, int64, error) { return k, int64(len(k)) * 3, nil })
				if err != nil || v != k {
					t.Errorf("%s: %q %v", k, v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if s := c.Stats(); s.Bytes > 50 {
		t.Errorf("over budget: %+v", s)
	}
}

func TestForgetAfter(t *testing.T) {
	c := New[int](100)
	c.Get("a", func() (int, int64, error) { return 1, 10, nil })
	c.ForgetAfter("a", 0)
	c.ForgetAfter("absent", 0)
	for deadline := time.Now().Add(10 * time.Second); c.Stats().Entries > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the entry was not forgotten")
		}
	}
	if s := c.Stats(); s.Bytes != 0 {
		t.Errorf("%d bytes counted for no entry", s.Bytes)
	}
}

func TestPeekDoesNotLoad(t *testing.T) {
	c := New[int](100)
	if _, ok := c.Peek("a"); ok {
		t.Error("found an entry never loaded")
	}
	c.Get("a", func() (int, int64, error) { return 7, 10, nil })
	if v, ok := c.Peek("a"); !ok || v != 7 {
		t.Errorf("peek = %d, %v", v, ok)
	}
}
