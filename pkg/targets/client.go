// Package targets fetches pprof endpoints of configured targets. It is the
// only place that talks to a target, so it is where the target is protected
// (identical concurrent fetches coalesced, expensive endpoints not fetched
// more often than a minimum interval, whether they answered or failed),
// where Grafana is protected (timeouts, a response size limit, clear errors
// for everything that can go wrong on the way) and where credentials are
// (never sent to another origin, never relayed back from a target's text).
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
	redactor    *Redactor

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
	// Secrets are every credential value the instance knows, and
	// SecretHeaders the names of the headers that carry them: they are
	// withheld from anything a target sends back.
	Secrets       []string
	SecretHeaders []string
}

// NewClient returns a client that sends requests through a copy of hc
// with the redirect policy of checkRedirect.
func NewClient(hc *http.Client, o Options) *Client {
	if o.CacheBytes == 0 {
		o.CacheBytes = 4 * o.MaxResponseBytes
	}
	own := *hc
	own.CheckRedirect = checkRedirect
	return &Client{
		http:        &own,
		maxBytes:    o.MaxResponseBytes,
		timeout:     o.Timeout,
		minInterval: o.MinInterval,
		now:         time.Now,
		redactor:    NewRedactor(o.Secrets, o.SecretHeaders),
		recent:      newRecentCache(o.CacheBytes, o.MinInterval),
	}
}

// Redact withholds the instance's credentials from a message that may
// quote a target (see Redactor.Message).
func (c *Client) Redact(s string) string { return c.redactor.Message(s) }

// Endpoint names a pprof endpoint below a target's base URL, such as
// "goroutine" with debug=2, or "" for the index page.
type Endpoint struct {
	Path  string
	Query url.Values
	// Cheap endpoints (the index page, /metrics) are always fetched fresh;
	// the outcome of others, response or failure, is reused for the
	// minimum interval.
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
	// A caller out of time starts no fetch: the fetch would go on without
	// it until the timeout.
	if ctx.Err() != nil {
		return nil, callerGone(t, e, ctx)
	}
	key := t.Name + " " + rawURL
	if !e.Cheap {
		now := c.now()
		if o, ok := c.recent.get(key, now.Add(-c.minInterval)); ok {
			return o.again(now, c.minInterval)
		}
	}
	ch := c.flights.DoChan(key, func() (any, error) {
		// The fetch is shared, so one caller giving up must not cancel it
		// for the others; it still ends at the timeout.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout+e.Duration)
		defer cancel()
		start := c.now()
		r, err := c.fetch(fctx, t, rawURL, e, start)
		switch {
		case e.Cheap:
		case err != nil:
			c.recent.put(key, outcome{err: err, at: start})
		case !passing(ctx):
			c.recent.put(key, outcome{resp: r, at: start})
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*Response), nil
	case <-ctx.Done():
		return nil, callerGone(t, e, ctx)
	}
}

type passingKey struct{}

// Passing marks a context whose fetches are read once and dropped, as the
// recorder's periodic full dumps are: such a fetch shares a fetch in
// flight and reuses a response kept within the minimum interval, but its
// own response is not kept for later callers, so a background read of
// every target does not hold hundreds of MiB of dumps nobody will ask
// for. A failure is still remembered: it costs nothing to keep and
// spares the target. A panel asking right after it fetches its own dump,
// so a target can get two full dumps in one minimum interval: the
// recorder's and the panels'.
func Passing(ctx context.Context) context.Context {
	return context.WithValue(ctx, passingKey{}, true)
}

func passing(ctx context.Context) bool {
	p, _ := ctx.Value(passingKey{}).(bool)
	return p
}

// callerGone is the error of a fetch whose caller gave up or ran out of
// time (a query over many targets has a deadline of its own).
func callerGone(t settings.Target, e Endpoint, ctx context.Context) *FetchError {
	kind := KindCanceled
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		kind = KindTimeout
	}
	return &FetchError{Target: t.Name, Endpoint: e.String(), Kind: kind, Err: ctx.Err()}
}

// fetch makes one request. Its errors are *FetchError, with the
// target's own text redacted.
func (c *Client) fetch(ctx context.Context, t settings.Target, rawURL string, e Endpoint, start time.Time) (*Response, *FetchError) {
	fail := func(kind Kind, err error) *FetchError {
		return &FetchError{Target: t.Name, Endpoint: e.String(), URL: rawURL, Kind: kind, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fail(KindRequest, err)
	}
	if t.Header.Name != "" {
		req.Header.Set(t.Header.Name, t.Header.Value)
	}
	resp, err := c.http.Do(req)
	var redirect *RedirectError
	if errors.As(err, &redirect) {
		fe := fail(KindRedirect, redirect)
		fe.Location = Clip(c.redactor.Text(displayLocation(redirect.Location)), MaxRelayedRunes)
		return nil, fe
	}
	if err != nil {
		return nil, fail(classify(err), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBytes+1))
	if err != nil {
		return nil, fail(classify(err), err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fail(KindHTTPStatus, fmt.Errorf("HTTP %s%s", resp.Status, c.bodyHint(body)))
	}
	if int64(len(body)) > c.maxBytes {
		return nil, fail(KindTooLarge, fmt.Errorf("the response is larger than the %d MiB limit (raise \"maximum response size\" in the data source settings)", c.maxBytes>>20))
	}
	// A cheap page is scrubbed before anything reads it, so that no quote
	// of it (a title, its first bytes) can cut a secret in two and show a
	// part. Dumps and profiles are not: scanning 64 MiB for every secret
	// form costs more than parsing it (BenchmarkRedactorBody), and what a
	// message quotes of them is redacted where it is relayed.
	if e.Cheap {
		body = c.redactor.Body(body)
	}
	return &Response{Body: body, ContentType: resp.Header.Get("Content-Type"), FetchedAt: start}, nil
}

// bodyHint is the first line of a short text error body, which often says
// why (e.g. "profiling disabled", "unauthorized"), redacted and cut.
func (c *Client) bodyHint(body []byte) string {
	line := c.redactor.Relay(string(body[:min(len(body), 64<<10)]))
	if line == "" || strings.HasPrefix(line, "<") || strings.ContainsFunc(line, func(r rune) bool { return r < 0x20 && r != '\t' }) {
		return ""
	}
	return ": " + line
}

// outcome is the result of one fetch of an expensive endpoint: a response
// or a failure, and when the attempt began.
type outcome struct {
	resp *Response
	err  *FetchError
	at   time.Time
}

// failureCost is what a remembered failure counts against the cache's
// budget, so that failures cannot pile up without bound either.
const failureCost = 1 << 10

func (o outcome) size() int64 {
	if o.err != nil {
		return failureCost
	}
	return int64(len(o.resp.Body))
}

// again gives a remembered outcome to another caller; a failure says it is
// remembered and when the target will next be asked.
func (o outcome) again(now time.Time, minInterval time.Duration) (*Response, error) {
	if o.err == nil {
		return o.resp, nil
	}
	fe := *o.err
	fe.Remembered = &Remembered{Ago: now.Sub(o.at), MinInterval: minInterval}
	return nil, &fe
}

// recentCache keeps the latest outcome of each expensive endpoint so it is
// reused within the minimum interval, within a byte budget. An outcome is
// dropped once the interval is over, when it can no longer be reused, so
// the memory of a query over every target is given back after it.
type recentCache struct {
	mu      sync.Mutex
	budget  int64
	ttl     time.Duration
	used    int64
	entries map[string]outcome
}

func newRecentCache(budget int64, ttl time.Duration) *recentCache {
	return &recentCache{budget: budget, ttl: ttl, entries: map[string]outcome{}}
}

func (rc *recentCache) get(key string, notBefore time.Time) (outcome, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	o, ok := rc.entries[key]
	if !ok || o.at.Before(notBefore) {
		return outcome{}, false
	}
	return o, true
}

func (rc *recentCache) put(key string, o outcome) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.drop(key)
	size := o.size()
	if size > rc.budget {
		return
	}
	for rc.used+size > rc.budget {
		rc.evictOldest()
	}
	rc.entries[key] = o
	rc.used += size
	if rc.ttl > 0 {
		// The timer holds the time only: an outcome evicted for the
		// budget must not stay in memory until it would have expired.
		at := o.at
		time.AfterFunc(rc.ttl, func() { rc.expire(key, at) })
	}
}

// expire drops the outcome of a fetch begun at at, unless a newer one
// has taken its place.
func (rc *recentCache) expire(key string, at time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if o, ok := rc.entries[key]; ok && o.at.Equal(at) {
		rc.drop(key)
	}
}

func (rc *recentCache) drop(key string) {
	if old, ok := rc.entries[key]; ok {
		rc.used -= old.size()
		delete(rc.entries, key)
	}
}

func (rc *recentCache) evictOldest() {
	var oldestKey string
	var oldest time.Time
	for k, o := range rc.entries {
		if oldestKey == "" || o.at.Before(oldest) {
			oldestKey, oldest = k, o.at
		}
	}
	rc.drop(oldestKey)
}
