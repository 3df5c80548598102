package targets

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/settings"
)

func newClient(o Options) *Client {
	if o.MaxResponseBytes == 0 {
		o.MaxResponseBytes = 1 << 20
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	return NewClient(&http.Client{}, o)
}

func serve(t *testing.T, h http.HandlerFunc) settings.Target {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return settings.Target{Name: "t1", URL: srv.URL + "/debug/pprof"}
}

func TestIndexFromRealPage(t *testing.T) {
	var gotPath, gotAuth string
	tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotAuth = r.URL.Path, r.Header.Get("X-Token")
		w.Write(realIndexBytes)
	})
	tg.Header = settings.Header{Name: "X-Token", Value: "secret"}
	ix, _, err := newClient(Options{}).Index(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Goroutines(); n != 2345 {
		t.Errorf("goroutines = %d", n)
	}
	if gotPath != "/debug/pprof/" || gotAuth != "secret" {
		t.Errorf("request path %q auth %q", gotPath, gotAuth)
	}
}

func fetchErr(t *testing.T, err error) *FetchError {
	t.Helper()
	var fe *FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v (%T); want a FetchError", err, err)
	}
	return fe
}

// hangingTarget accepts connections and never answers, like a process
// stuck in a long stop-the-world pause.
func hangingTarget(t *testing.T) settings.Target {
	release := make(chan struct{})
	tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	return tg
}

func TestErrorsAreClassified(t *testing.T) {
	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		_, _, err = newClient(Options{}).Index(context.Background(), settings.Target{Name: "gone", URL: "http://" + addr + "/debug/pprof"})
		fe := fetchErr(t, err)
		if fe.Kind != KindRefused || !strings.Contains(fe.Error(), `target "gone": connection refused`) {
			t.Errorf("got %v (%s)", fe, fe.Kind)
		}
		if strings.Contains(fe.Error(), addr) || !strings.Contains(fe.AdminError(), addr) {
			t.Errorf("the address belongs in the admin error only: %q / %q", fe.Error(), fe.AdminError())
		}
	})
	t.Run("timeout", func(t *testing.T) {
		tg := hangingTarget(t)
		_, _, err := newClient(Options{Timeout: 100 * time.Millisecond}).Index(context.Background(), tg)
		if fe := fetchErr(t, err); fe.Kind != KindTimeout {
			t.Errorf("kind = %s (%v)", fe.Kind, fe)
		}
	})
	t.Run("http status", func(t *testing.T) {
		tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "profiling is disabled here", http.StatusForbidden)
		})
		_, _, err := newClient(Options{}).Index(context.Background(), tg)
		fe := fetchErr(t, err)
		if fe.Kind != KindHTTPStatus || !strings.Contains(fe.Error(), "HTTP 403 Forbidden: profiling is disabled here") {
			t.Errorf("got %v", fe)
		}
	})
	t.Run("html 404 page", func(t *testing.T) {
		tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("<html><head><title>Welcome to nginx!</title></head></html>"))
		})
		_, _, err := newClient(Options{}).Index(context.Background(), tg)
		fe := fetchErr(t, err)
		if fe.Kind != KindNotIndex || !strings.Contains(fe.Error(), `title is "Welcome to nginx!"`) {
			t.Errorf("got %v", fe)
		}
	})
	t.Run("too large", func(t *testing.T) {
		tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Write(make([]byte, 3<<20))
		})
		_, err := newClient(Options{MaxResponseBytes: 1 << 20}).Get(context.Background(), tg, Profile("goroutine", 2))
		fe := fetchErr(t, err)
		if fe.Kind != KindTooLarge || !strings.Contains(fe.Error(), "larger than the 1 MiB limit") {
			t.Errorf("got %v", fe)
		}
	})
	t.Run("caller gives up", func(t *testing.T) {
		tg := hangingTarget(t)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := newClient(Options{Timeout: 5 * time.Second}).Get(ctx, tg, Profile("goroutine", 2))
		if fe := fetchErr(t, err); fe.Kind != KindCanceled {
			t.Errorf("kind = %s", fe.Kind)
		}
	})
	t.Run("caller's deadline", func(t *testing.T) {
		tg := hangingTarget(t)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := newClient(Options{Timeout: 5 * time.Second}).Get(ctx, tg, Profile("goroutine", 2))
		if fe := fetchErr(t, err); fe.Kind != KindTimeout {
			t.Errorf("kind = %s", fe.Kind)
		}
	})
	t.Run("caller out of time starts no fetch", func(t *testing.T) {
		var hits atomic.Int32
		tg := serve(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err := newClient(Options{Timeout: 5 * time.Second}).Index(ctx, tg)
		if fe := fetchErr(t, err); fe.Kind != KindCanceled || hits.Load() != 0 {
			t.Errorf("kind = %s, %d requests", fe.Kind, hits.Load())
		}
	})
}

func TestConcurrentFetchesAreCoalesced(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
		w.Write([]byte("goroutine 1 [running]:\n"))
	})
	c := newClient(Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Get(context.Background(), tg, Profile("goroutine", 2))
			errs <- err
		}()
	}
	// Let every caller join the flight before the target answers.
	deadline := time.Now().Add(5 * time.Second)
	for hits.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("target was hit %d times; want 1", n)
	}
}

func TestMinimumInterval(t *testing.T) {
	var hits atomic.Int32
	tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(realIndexBytes)
	})
	clock := time.Unix(1000, 0)
	c := newClient(Options{MinInterval: 10 * time.Second})
	c.now = func() time.Time { return clock }
	get := func(e Endpoint) {
		if _, err := c.Get(context.Background(), tg, e); err != nil {
			t.Fatal(err)
		}
	}
	get(Profile("goroutine", 2))
	get(Profile("goroutine", 2))
	if n := hits.Load(); n != 1 {
		t.Errorf("expensive endpoint fetched %d times within the interval; want 1", n)
	}
	get(Profile("goroutine", 1))
	if n := hits.Load(); n != 2 {
		t.Errorf("another endpoint must be fetched: %d hits", n)
	}
	clock = clock.Add(11 * time.Second)
	get(Profile("goroutine", 2))
	if n := hits.Load(); n != 3 {
		t.Errorf("after the interval the endpoint must be fetched again: %d hits", n)
	}
	get(IndexEndpoint)
	get(IndexEndpoint)
	if n := hits.Load(); n != 5 {
		t.Errorf("the index page is cheap and always fetched: %d hits", n)
	}
}

var realIndexBytes, _ = os.ReadFile("../indexpage/testdata/go1.19.html")

func TestRecentCacheStaysWithinBudget(t *testing.T) {
	rc := newRecentCache(100, 0)
	base := time.Unix(0, 0)
	for i := range 10 {
		at := base.Add(time.Duration(i) * time.Second)
		rc.put(string(rune('a'+i)), outcome{resp: &Response{Body: make([]byte, 30), FetchedAt: at}, at: at})
		if rc.used > 100 {
			t.Fatalf("used %d bytes of 100", rc.used)
		}
	}
	if _, ok := rc.get("j", base); !ok {
		t.Error("the newest entry must be kept")
	}
	if _, ok := rc.get("a", base); ok {
		t.Error("the oldest entry must be evicted")
	}
	rc.put("huge", outcome{resp: &Response{Body: make([]byte, 101), FetchedAt: base}, at: base})
	if _, ok := rc.get("huge", base); ok {
		t.Error("an entry above the budget must not be kept")
	}
}

// A passing fetch (the recorder's full dump) leaves no response for later
// callers, but its failure is remembered, and it reuses a kept response.
func TestPassingFetchKeepsNoResponse(t *testing.T) {
	var hits atomic.Int32
	var fail atomic.Bool
	tg := serve(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if fail.Load() {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.Write(realIndexBytes)
	})
	c := newClient(Options{MinInterval: time.Hour})
	dump := Profile("goroutine", 2)
	get := func(ctx context.Context) error {
		_, err := c.Get(ctx, tg, dump)
		return err
	}
	if err := get(Passing(context.Background())); err != nil {
		t.Fatal(err)
	}
	if err := get(context.Background()); err != nil || hits.Load() != 2 {
		t.Fatalf("after a passing fetch a panel's must fetch: %d hits, %v", hits.Load(), err)
	}
	if err := get(Passing(context.Background())); err != nil || hits.Load() != 2 {
		t.Fatalf("a passing fetch must reuse a kept response: %d hits, %v", hits.Load(), err)
	}
	fail.Store(true)
	dump = Profile("goroutine", 1)
	if err := get(Passing(context.Background())); err == nil {
		t.Fatal("no error")
	}
	if err := get(context.Background()); err == nil || hits.Load() != 3 {
		t.Fatalf("a passing fetch's failure must be remembered: %d hits, %v", hits.Load(), err)
	}
}

// Outcomes are dropped once their minimum interval is over, when nobody
// can be handed them any more.
func TestRecentCacheExpires(t *testing.T) {
	rc := newRecentCache(1<<20, time.Millisecond)
	rc.put("a", outcome{resp: &Response{Body: make([]byte, 30)}, at: time.Now()})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		rc.mu.Lock()
		n, used := len(rc.entries), rc.used
		rc.mu.Unlock()
		if n == 0 && used == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d entries, %d bytes kept after the interval", n, used)
		}
	}
}
