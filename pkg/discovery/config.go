package discovery

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"time"
)

// Kinds of source.
const (
	KindDNS        = "dns"
	KindSRV        = "srv"
	KindPrometheus = "prometheus"
	KindFile       = "file"
)

// Defaults and bounds of discovery.
const (
	DefaultRefresh    = 30 * time.Second
	DefaultTimeout    = 10 * time.Second
	DefaultMaxTargets = 1000
	// DefaultMaxResponseBytes bounds a Prometheus targets response or a
	// file_sd file: about 10,000 targets with their discovered labels.
	DefaultMaxResponseBytes = 32 << 20
	// maxFiles bounds the files a file_sd glob reads.
	maxFiles = 100
	// maxAddresses bounds what one source may list before filtering, so
	// that the memory of a refresh stays small whatever the source says.
	maxAddresses = 100_000
)

// Config is the validated discovery configuration of a data source.
type Config struct {
	Sources []SourceConfig
	Allow   AllowList
	Refresh time.Duration
	// Timeout bounds one refresh of one source.
	Timeout          time.Duration
	MaxTargets       int
	MaxResponseBytes int64
	// ReservedLabels are the label names the plugin sets on frames itself.
	ReservedLabels map[string]bool
	// Static are the configured targets' names and URLs: a discovered
	// target never takes a name of theirs, and one with the URL of a
	// configured target is that target already.
	StaticNames map[string]bool
	StaticURLs  map[string]bool
}

// SourceConfig is one source of targets.
type SourceConfig struct {
	Name string
	Kind string
	// Host is the name looked up by dns (A and AAAA) and srv sources.
	Host string
	// Port is the port of the addresses a dns source finds.
	Port int
	// Resolver is the host:port of the DNS server to ask; empty for the
	// system's resolver.
	Resolver string
	// URL is a Prometheus server's base URL; Jobs, if any, keep only its
	// targets of those jobs (scrape pool or job label).
	URL         string
	Jobs        []string
	Username    string
	Password    string
	BearerToken string
	// Path is a file_sd file, or a glob of them.
	Path string
	// URLTemplate and MetricsURLTemplate map an address to the target's
	// URLs; empty for the kind's default.
	URLTemplate        string
	MetricsURLTemplate string
	// NameLabel is the label whose value names a target.
	NameLabel string
	Labels    map[string]string
}

var sourceNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Check reports every problem of a source's configuration, each prefixed
// with the source's name.
func (s SourceConfig) Check() []error {
	var errs []error
	label := "discovery source"
	if s.Name != "" {
		label = fmt.Sprintf("discovery source %q", s.Name)
	}
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(label+": "+format, args...))
	}
	if !sourceNamePattern.MatchString(s.Name) {
		bad("a name of letters, digits and . _ - is required")
	}
	switch s.Kind {
	case KindDNS, KindSRV:
		if !validHostName(s.Host) {
			bad("a DNS name to look up is required, such as api.default.svc.cluster.local")
		}
		if s.Kind == KindDNS && (s.Port < 1 || s.Port > 65535) {
			bad("the port of the addresses found (1-65535) is required")
		}
		if s.Resolver != "" {
			if _, _, err := net.SplitHostPort(s.Resolver); err != nil {
				bad("DNS server %q must be host:port, such as 10.96.0.10:53", s.Resolver)
			}
		}
	case KindPrometheus:
		if u, err := url.Parse(s.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" {
			bad("the Prometheus server's URL is required, such as http://prometheus:9090, without credentials or query")
		}
		if s.BearerToken != "" && s.Password != "" {
			bad("use either basic auth or a bearer token, not both")
		}
	case KindFile:
		if !filepath.IsAbs(s.Path) {
			bad("file %q must be an absolute path on the Grafana server (a glob such as /etc/pprof/*.json is allowed)", s.Path)
		} else if _, err := filepath.Match(s.Path, ""); err != nil {
			bad("file pattern %q is not valid: %v", s.Path, err)
		}
	default:
		bad("kind %q must be one of dns, srv, prometheus, file", s.Kind)
	}
	if s.URLTemplate != "" {
		if err := CheckTemplate(s.URLTemplate, false); err != nil {
			bad("pprof URL template %v", err)
		}
	}
	if s.MetricsURLTemplate != "" {
		if err := CheckTemplate(s.MetricsURLTemplate, true); err != nil {
			bad("metrics URL template %v", err)
		}
	}
	if s.NameLabel != "" && !labelNamePattern.MatchString(s.NameLabel) {
		bad("name label %q is not a label name", s.NameLabel)
	}
	for k := range s.Labels {
		if !labelNamePattern.MatchString(k) || len(k) > 2 && k[:2] == "__" {
			bad("label name %q must match [A-Za-z_][A-Za-z0-9_]* and not start with __", k)
		}
	}
	return errs
}

// Check reports every problem of the whole configuration. An empty
// allow-list is one: discovery fetches nothing it was not allowed to.
func (c Config) Check() []error {
	var errs []error
	if len(c.Sources) > 0 && c.Allow.Empty() {
		errs = append(errs, errors.New("discovery needs an allow-list: add the networks (such as 10.0.0.0/8) or host names (such as *.svc.cluster.local) that discovered targets may be at"))
	}
	seen := map[string]bool{}
	for _, s := range c.Sources {
		errs = append(errs, s.Check()...)
		if seen[s.Name] {
			errs = append(errs, fmt.Errorf("discovery source %q: the name is used twice; names must be unique", s.Name))
		}
		seen[s.Name] = true
	}
	return errs
}

func (s SourceConfig) urlTemplate() string {
	switch {
	case s.URLTemplate != "":
		return s.URLTemplate
	case s.Kind == KindPrometheus:
		return DefaultPrometheusURLTemplate
	}
	return DefaultURLTemplate
}

func (s SourceConfig) nameLabel() string {
	if s.NameLabel != "" {
		return s.NameLabel
	}
	if s.Kind == KindPrometheus || s.Kind == KindFile {
		return "instance"
	}
	return ""
}
