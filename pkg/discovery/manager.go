package discovery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Source finds addresses.
type Source interface {
	Discover(ctx context.Context) ([]Address, error)
}

// Manager keeps the targets of every source fresh in the background.
type Manager struct {
	cfg     Config
	sources []*source
	now     func() time.Time

	mu      sync.RWMutex
	targets []Target
	status  Status

	refreshing sync.Mutex
	ready      chan struct{}
	readyOnce  sync.Once
	stop       chan struct{}
	done       chan struct{}
}

// source is one configured source and its last good result.
type source struct {
	cfg      SourceConfig
	discover Source
	// found is the last good result; lastErr the error of the last
	// refresh, nil when it succeeded.
	found   []Address
	good    bool
	goodAt  time.Time
	lastErr error
}

// Status is what the last refresh found, for the health check.
type Status struct {
	Sources []SourceStatus
	// Targets is how many targets discovery gives.
	Targets int
	// Dropped counts, by reason, the addresses left out; Examples holds a
	// few of them with why.
	NotAllowed, Invalid, Duplicate, OverLimit int
	Examples                                  []string
	RefreshedAt                               time.Time
}

// SourceStatus is one source's state.
type SourceStatus struct {
	Name, Kind string
	Found      int
	// Error is the last refresh's failure; the source's last good
	// targets, from GoodAt, are still used.
	Error  string
	GoodAt time.Time
}

const maxExamples = 3

// New builds a manager from a checked configuration; Start runs it.
// resolver, when set, replaces the DNS resolver of every dns and srv
// source (for tests).
func New(cfg Config, resolver Resolver) *Manager {
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultRefresh
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxTargets <= 0 {
		cfg.MaxTargets = DefaultMaxTargets
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	m := &Manager{cfg: cfg, now: time.Now, ready: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	client := newHTTPClient()
	for _, sc := range cfg.Sources {
		r := resolver
		if r == nil {
			r = NewResolver(sc.Resolver)
		}
		s := &source{cfg: sc}
		switch sc.Kind {
		case KindDNS:
			s.discover = dnsSource{resolver: r, host: sc.Host, port: sc.Port}
		case KindSRV:
			s.discover = srvSource{resolver: r, name: sc.Host}
		case KindPrometheus:
			s.discover = newPrometheusSource(sc, client, cfg.MaxResponseBytes)
		case KindFile:
			s.discover = newFileSource(sc.Path, cfg.MaxResponseBytes)
		}
		m.sources = append(m.sources, s)
	}
	return m
}

// Start refreshes at once and then every interval, until Stop.
func (m *Manager) Start() {
	go func() {
		defer close(m.done)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			<-m.stop
			cancel()
		}()
		ticker := time.NewTicker(m.cfg.Refresh)
		defer ticker.Stop()
		for {
			m.Refresh(ctx)
			select {
			case <-m.stop:
				return
			case <-ticker.C:
			}
		}
	}()
}

// Stop ends the refreshes and waits for the one in progress.
func (m *Manager) Stop() {
	close(m.stop)
	<-m.done
}

// Targets returns the discovered targets, waiting for the first refresh
// (at most until ctx ends) so that the first query after the data source
// starts sees them.
func (m *Manager) Targets(ctx context.Context) []Target {
	select {
	case <-m.ready:
	case <-ctx.Done():
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.targets
}

// Status returns what the last refresh found.
func (m *Manager) Status() Status {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.status
}

// Refresh asks every source once, concurrently, each within the timeout,
// and rebuilds the targets from each source's last good result.
func (m *Manager) Refresh(ctx context.Context) {
	m.refreshing.Lock()
	defer m.refreshing.Unlock()
	var wg sync.WaitGroup
	for _, s := range m.sources {
		wg.Go(func() {
			sctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
			defer cancel()
			found, err := s.discover.Discover(sctx)
			s.lastErr = err
			if err == nil {
				s.found, s.good, s.goodAt = found, true, m.now()
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return
	}
	targets, status := m.build()
	m.mu.Lock()
	m.targets, m.status = targets, status
	m.mu.Unlock()
	m.readyOnce.Do(func() { close(m.ready) })
}

// candidate is an address mapped to URLs, before names are settled.
type candidate struct {
	Target
	address string
}

// build maps every source's addresses to targets: URLs from the
// templates, checked against the allow-list; labels and names; targets
// already known by URL dropped; names made unique; the count capped, in
// an order that does not depend on the sources' order of answers.
func (m *Manager) build() ([]Target, Status) {
	st := Status{RefreshedAt: m.now()}
	drop := func(count *int, why string) {
		*count++
		if len(st.Examples) < maxExamples {
			st.Examples = append(st.Examples, why)
		}
	}
	var cands []candidate
	for _, s := range m.sources {
		ss := SourceStatus{Name: s.cfg.Name, Kind: s.cfg.Kind, Found: len(s.found), GoodAt: s.goodAt}
		if s.lastErr != nil {
			ss.Error = s.lastErr.Error()
		}
		st.Sources = append(st.Sources, ss)
		for _, a := range s.found {
			c, err := m.candidate(s.cfg, a)
			switch {
			case errors.Is(err, errNoAddress):
				drop(&st.Invalid, fmt.Sprintf("%s: an entry without a host:port address", s.cfg.Name))
			case err != nil:
				drop(&st.NotAllowed, fmt.Sprintf("%s: %s: %v", s.cfg.Name, c.address, err))
			default:
				cands = append(cands, c)
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.URL, b.URL))
	})
	names := map[string]bool{}
	urls := map[string]bool{}
	var out []Target
	for _, c := range cands {
		if urls[c.URL] || m.cfg.StaticURLs[c.URL] {
			drop(&st.Duplicate, fmt.Sprintf("%s: %s is already a target", c.Source, c.URL))
			continue
		}
		name := c.Name
		if names[name] || m.cfg.StaticNames[name] {
			name = cleanName(c.Name + "-" + c.address)
		}
		if names[name] || m.cfg.StaticNames[name] {
			drop(&st.Duplicate, fmt.Sprintf("%s: the name %s is taken", c.Source, c.Name))
			continue
		}
		if len(out) == m.cfg.MaxTargets {
			drop(&st.OverLimit, fmt.Sprintf("%s: %s is beyond the limit of %d discovered targets", c.Source, name, m.cfg.MaxTargets))
			continue
		}
		names[name], urls[c.URL] = true, true
		c.Name = name
		out = append(out, c.Target)
	}
	st.Targets = len(out)
	return out, st
}

var errNoAddress = errors.New("no address")

func (m *Manager) candidate(sc SourceConfig, a Address) (candidate, error) {
	if a.Host == "" || a.Port < 1 || a.Port > 65535 {
		return candidate{}, errNoAddress
	}
	c := candidate{address: net.JoinHostPort(a.Host, strconv.Itoa(a.Port))}
	u, err := render(sc.urlTemplate(), a.Host, a.Port, false)
	if err != nil {
		return c, err
	}
	if err := m.cfg.Allow.AllowsURL(u); err != nil {
		return c, err
	}
	c.URL = u.String()
	switch {
	case sc.MetricsURLTemplate != "":
		mu, err := render(sc.MetricsURLTemplate, a.Host, a.Port, true)
		if err != nil {
			return c, err
		}
		if err := m.cfg.Allow.AllowsURL(mu); err != nil {
			return c, fmt.Errorf("metrics URL: %w", err)
		}
		c.MetricsURL = mu.String()
	case a.ScrapeURL != "":
		mu, err := checkURL(a.ScrapeURL, true)
		if err != nil {
			return c, fmt.Errorf("scrape URL: %w", err)
		}
		if err := m.cfg.Allow.AllowsURL(mu); err != nil {
			return c, fmt.Errorf("scrape URL: %w", err)
		}
		c.MetricsURL = mu.String()
	}
	found := a.Labels
	if sc.Kind == KindFile && found["instance"] == "" {
		// Prometheus sets instance to the address when a group does not.
		found = mapsWith(found, "instance", c.address)
	}
	c.Labels = targetLabels(found, sc.Labels, m.cfg.ReservedLabels)
	c.Name = targetName(a, c.Labels, sc.nameLabel())
	c.Source = sc.Name
	return c, nil
}

func mapsWith(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	if out == nil {
		out = map[string]string{}
	}
	out[k] = v
	return out
}

// Notice describes the sources whose last refresh failed, for query
// responses; empty when all answered.
func (s Status) Notice() string {
	msg := ""
	for _, ss := range s.Sources {
		if ss.Error == "" {
			continue
		}
		if msg != "" {
			msg += " "
		}
		if ss.GoodAt.IsZero() {
			msg += fmt.Sprintf("Discovery source %q failed and has found no targets yet: %s.", ss.Name, ss.Error)
		} else {
			msg += fmt.Sprintf("Discovery source %q failed; its targets are those found at %s: %s.", ss.Name, ss.GoodAt.UTC().Format(time.RFC3339), ss.Error)
		}
	}
	return msg
}

// Summary says in a sentence or two what discovery found and left out,
// for the health check.
func (s Status) Summary() string {
	msg := fmt.Sprintf("Discovery found %d targets from %d sources.", s.Targets, len(s.Sources))
	var left []string
	for _, d := range []struct {
		n    int
		what string
	}{
		{s.NotAllowed, "outside the allow-list"},
		{s.Invalid, "without a host:port address"},
		{s.Duplicate, "duplicates"},
		{s.OverLimit, "beyond the limit"},
	} {
		if d.n > 0 {
			left = append(left, fmt.Sprintf("%d %s", d.n, d.what))
		}
	}
	if len(left) > 0 {
		msg += fmt.Sprintf(" Left out: %s (e.g. %s).", strings.Join(left, ", "), strings.Join(s.Examples, "; "))
	}
	if n := s.Notice(); n != "" {
		msg += " " + n
	}
	return msg
}
