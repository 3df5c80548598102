// Package targets fetches pprof endpoints of configured targets. It is the
// only place that talks to a target, so it is where the target is protected
// (identical concurrent fetches coalesced, expensive endpoints not fetched
// more often than a minimum interval) and where Grafana is protected
// (timeouts, a response size limit, clear errors for everything that can go
// wrong on the way).
package targets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/goscope/pprof/pkg/settings"
)

// Response is a fetched endpoint body.
type Response struct {
	Body        []byte
	ContentType string
	FetchedAt   time.Time
}

// Client fetches endpoints of the targets of one data source instance.
type Client struct {
	http        *http.Client
	maxBytes    int64
	timeout     time.Duration
	minInterval time.Duration
	now         func() time.Time

	flights singleflight.Group
	recent  *recentCache
}

// Options configure a Client.
type Options struct {
	MaxResponseBytes int64
	Timeout          time.Duration
	// MinInterval is how long a response of an expensive endpoint (a full
	// goroutine dump, a profile) is reused instead of fetched again.
	MinInterval time.Duration
	// CacheBytes bounds the memory held by reused responses.
	CacheBytes int64
}

// NewClient returns a client that sends requests through hc.
func NewClient(hc *http.Client, o Options) *Client {
	if o.CacheBytes == 0 {
		o.CacheBytes = 4 * o.MaxResponseBytes
	}
	return &Client{
		http:        hc,
		maxBytes:    o.MaxResponseBytes,
		timeout:     o.Timeout,
		minInterval: o.MinInterval,
		now:         time.Now,
		recent:      newRecentCache(o.CacheBytes),
	}
}

// Endpoint names a pprof endpoint below a target's base URL, such as
// "goroutine" with debug=2, or "" for the index page.
type Endpoint struct {
	Path  string
	Query url.Values
	// Cheap endpoints (the index page, /metrics) are always fetched fresh;
	// others are reused for the minimum interval.
	Cheap bool
	// Duration is how long the target takes to answer by design, as for a
	// CPU profile; it is added to the timeout.
	Duration time.Duration
}

func (e Endpoint) String() string {
	s := "/" + e.Path
	if q := e.Query.Encode(); q != "" {
		s += "?" + q
	}
	return s
}

// Get fetches an endpoint of a target. Concurrent identical requests share
// one fetch.
func (c *Client) Get(ctx context.Context, t settings.Target, e Endpoint) (*Response, error) {
	return c.get(ctx, t, t.URL+e.String(), e)
}

// GetMetrics fetches the target's Prometheus metrics URL.
func (c *Client) GetMetrics(ctx context.Context, t settings.Target) (*Response, error) {
	if t.MetricsURL == "" {
		return nil, &FetchError{Target: t.Name, Kind: KindNotConfigured, Err: errors.New("no metrics URL is configured for this target")}
	}
	return c.get(ctx, t, t.MetricsURL, Endpoint{Path: "metrics", Cheap: true})
}

func (c *Client) get(ctx context.Context, t settings.Target, rawURL string, e Endpoint) (*Response, error) {
	key := t.Name + " " + rawURL
	if !e.Cheap {
		if r, ok := c.recent.get(key, c.now().Add(-c.minInterval)); ok {
			return r, nil
		}
	}
	ch := c.flights.DoChan(key, func() (any, error) {
		// The fetch is shared, so one caller giving up must not cancel it
		// for the others; it still ends at the timeout.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout+e.Duration)
		defer cancel()
		r, err := c.fetch(fctx, t, rawURL, e)
		if err == nil && !e.Cheap {
			c.recent.put(key, r)
		}
		return r, err
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Response), nil
	case <-ctx.Done():
		return nil, &FetchError{Target: t.Name, Endpoint: e.String(), Kind: KindCanceled, Err: ctx.Err()}
	}
}

func (c *Client) fetch(ctx context.Context, t settings.Target, rawURL string, e Endpoint) (*Response, error) {
	fail := func(kind Kind, err error) error {
		return &FetchError{Target: t.Name, Endpoint: e.String(), URL: rawURL, Kind: kind, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fail(KindRequest, err)
	}
	if t.Header.Name != "" {
		req.Header.Set(t.Header.Name, t.Header.Value)
	}
	start := c.now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fail(classify(err), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, fail(classify(err), err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fail(KindHTTPStatus, fmt.Errorf("HTTP %s%s", resp.Status, bodyHint(body)))
	}
	if int64(len(body)) > c.maxBytes {
		return nil, fail(KindTooLarge, fmt.Errorf("the response is larger than the %d MiB limit (raise \"maximum response size\" in the data source settings)", c.maxBytes>>20))
	}
	return &Response{Body: body, ContentType: resp.Header.Get("Content-Type"), FetchedAt: start}, nil
}

// bodyHint is the first line of a short text error body, which often says
// why (e.g. "profiling disabled", "unauthorized").
func bodyHint(body []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(body[:min(len(body), 200)])), "\n")
	if line == "" || strings.HasPrefix(line, "<") || strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 && r != '\t' }) {
		return ""
	}
	return ": " + line
}

// recentCache keeps the latest response of each expensive endpoint so it
// can be reused within the minimum interval, within a byte budget.
type recentCache struct {
	mu      sync.Mutex
	budget  int64
	used    int64
	entries map[string]*Response
}

func newRecentCache(budget int64) *recentCache {
	return &recentCache{budget: budget, entries: map[string]*Response{}}
}

func (rc *recentCache) get(key string, notBefore time.Time) (*Response, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.entries[key]
	if !ok || r.FetchedAt.Before(notBefore) {
		return nil, false
	}
	return r, true
}

func (rc *recentCache) put(key string, r *Response) {
	size := int64(len(r.Body))
	if size > rc.budget {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if old, ok := rc.entries[key]; ok {
		rc.used -= int64(len(old.Body))
		delete(rc.entries, key)
	}
	for rc.used+size > rc.budget {
		rc.evictOldest()
	}
	rc.entries[key] = r
	rc.used += size
}

func (rc *recentCache) evictOldest() {
	var oldestKey string
	var oldest time.Time
	for k, r := range rc.entries {
		if oldestKey == "" || r.FetchedAt.Before(oldest) {
			oldestKey, oldest = k, r.FetchedAt
		}
	}
	rc.used -= int64(len(rc.entries[oldestKey].Body))
	delete(rc.entries, oldestKey)
}
