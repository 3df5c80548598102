package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// prometheusSource reads a Prometheus server's active targets
// (GET /api/v1/targets?state=active) and keeps their labels after
// relabelling, not their discovered labels.
type prometheusSource struct {
	client   *http.Client
	base     string
	jobs     []string
	username string
	password string
	token    string
	maxBytes int64
}

// targetsResponse is the part of /api/v1/targets the source reads.
type targetsResponse struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		ActiveTargets []struct {
			Labels     map[string]string `json:"labels"`
			ScrapePool string            `json:"scrapePool"`
			ScrapeURL  string            `json:"scrapeUrl"`
		} `json:"activeTargets"`
	} `json:"data"`
}

func newPrometheusSource(c SourceConfig, client *http.Client, maxBytes int64) prometheusSource {
	return prometheusSource{client: client, base: strings.TrimRight(c.URL, "/"), jobs: c.Jobs,
		username: c.Username, password: c.Password, token: c.BearerToken, maxBytes: maxBytes}
}

func (s prometheusSource) Discover(ctx context.Context) ([]Address, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/api/v1/targets?state=active", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case s.token != "":
		req.Header.Set("Authorization", "Bearer "+s.token)
	case s.username != "" || s.password != "":
		req.SetBasicAuth(s.username, s.password)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("asking Prometheus for its targets: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading Prometheus's targets: %w", err)
	}
	if int64(len(body)) > s.maxBytes {
		return nil, fmt.Errorf("Prometheus's targets response is larger than %d MiB; list fewer jobs or raise the limit", s.maxBytes>>20)
	}
	var r targetsResponse
	if err := json.Unmarshal(body, &r); err != nil {
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("Prometheus answered HTTP %s", resp.Status)
		}
		return nil, fmt.Errorf("Prometheus's targets response is not the JSON of /api/v1/targets: %v", err)
	}
	if resp.StatusCode != http.StatusOK || r.Status != "success" {
		return nil, fmt.Errorf("Prometheus answered HTTP %s: %s", resp.Status, firstLine(r.Error))
	}
	if len(r.Data.ActiveTargets) > maxAddresses {
		return nil, fmt.Errorf("Prometheus lists %d active targets; at most %d are read", len(r.Data.ActiveTargets), maxAddresses)
	}
	var out []Address
	for _, t := range r.Data.ActiveTargets {
		if len(s.jobs) > 0 && !slices.Contains(s.jobs, t.ScrapePool) && !slices.Contains(s.jobs, t.Labels["job"]) {
			continue
		}
		// A target without a readable scrape URL stays, without host, to
		// be counted as invalid rather than vanish.
		a, _ := scrapeAddress(t.ScrapeURL)
		a.Labels = t.Labels
		a.ScrapeURL = t.ScrapeURL
		out = append(out, a)
	}
	return out, nil
}

// scrapeAddress is the host and port a scrape URL connects to.
func scrapeAddress(raw string) (Address, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return Address{}, errors.New("no host")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return Address{}, err
	}
	return Address{Host: u.Hostname(), Port: p}, nil
}

// newHTTPClient is the client of Prometheus sources: its own, not the one
// that carries the targets' credentials, and one that follows redirects
// only within the configured origin, so that a Prometheus credential is
// not sent elsewhere.
func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 5 {
				return errors.New("more than 5 redirects")
			}
			if req.URL.Scheme != via[0].URL.Scheme || req.URL.Host != via[0].URL.Host {
				return fmt.Errorf("Prometheus redirects to another origin (%s), which is not followed", req.URL.Redacted())
			}
			return nil
		},
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
