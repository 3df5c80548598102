package settings

import (
	"encoding/json"
	"fmt"

	"github.com/goscope/pprof/pkg/discovery"
)

// DiscoveryJSON configures target discovery (see package discovery).
type DiscoveryJSON struct {
	Discoverers    []DiscovererJSON `json:"discoverers,omitempty"`
	Allow          AllowJSON        `json:"allow"`
	RefreshSeconds int              `json:"refreshSeconds,omitempty"`
	TimeoutSeconds int              `json:"timeoutSeconds,omitempty"`
	MaxTargets     int              `json:"maxTargets,omitempty"`
	MaxResponseMiB int              `json:"maxResponseMiB,omitempty"`
}

// AllowJSON is where discovered targets may point.
type AllowJSON struct {
	Networks []string `json:"networks,omitempty"`
	Hosts    []string `json:"hosts,omitempty"`
	Ports    PortList `json:"ports,omitempty"`
}

// PortList holds ports and ranges, written as strings ("6060-6069") or
// numbers (6060).
type PortList []string

// UnmarshalJSON accepts strings and numbers.
func (p *PortList) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("allowed ports must be a list such as [\"6060\", \"8000-8100\"]")
	}
	out := make(PortList, 0, len(raw))
	for _, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			var n json.Number
			if err := json.Unmarshal(r, &n); err != nil {
				return fmt.Errorf("allowed port %s must be a number or a range such as \"8000-8100\"", r)
			}
			s = n.String()
		}
		out = append(out, s)
	}
	*p = out
	return nil
}

// DiscovererJSON is one source of discovered targets.
type DiscovererJSON struct {
	Name string `json:"name"`
	// Kind is dns, srv, prometheus or file.
	Kind               string            `json:"kind"`
	Host               string            `json:"host,omitempty"`
	Port               int               `json:"port,omitempty"`
	Resolver           string            `json:"resolver,omitempty"`
	URL                string            `json:"url,omitempty"`
	Jobs               []string          `json:"jobs,omitempty"`
	BasicAuthUser      string            `json:"basicAuthUser,omitempty"`
	Path               string            `json:"path,omitempty"`
	URLTemplate        string            `json:"urlTemplate,omitempty"`
	MetricsURLTemplate string            `json:"metricsUrlTemplate,omitempty"`
	NameLabel          string            `json:"nameLabel,omitempty"`
	Labels             map[string]string `json:"labels,omitempty"`
}

// DiscoveryPasswordKey is the secureJsonData key of a Prometheus
// discoverer's basic auth password, by the discoverer's name.
func DiscoveryPasswordKey(name string) string { return "discoveryPassword." + name }

// DiscoveryBearerTokenKey is the secureJsonData key of a Prometheus
// discoverer's bearer token.
func DiscoveryBearerTokenKey(name string) string { return "discoveryBearerToken." + name }

// discoveryConfig validates the discovery settings into out.Discovery,
// nil when no discoverer is configured. It runs once out's targets are
// set: their names and URLs are not given to discovered targets.
func discoveryConfig(j DiscoveryJSON, authHeaderName string, secrets map[string]string, out *Settings) []error {
	if len(j.Discoverers) == 0 {
		return nil
	}
	var errs []error
	check := rangeCheck(&errs, "discovery ")
	check("refresh interval (seconds)", j.RefreshSeconds, 5, 3600)
	check("timeout (seconds)", j.TimeoutSeconds, 1, 120)
	check("maximum targets", j.MaxTargets, 1, 10_000)
	check("maximum response size (MiB)", j.MaxResponseMiB, 1, 256)
	allow, allowErrs := discovery.ParseAllowList(j.Allow.Networks, j.Allow.Hosts, j.Allow.Ports)
	errs = append(errs, allowErrs...)
	cfg := &discovery.Config{
		Allow:            allow,
		Refresh:          orDuration(j.RefreshSeconds, discovery.DefaultRefresh),
		Timeout:          orDuration(j.TimeoutSeconds, discovery.DefaultTimeout),
		MaxTargets:       orInt(j.MaxTargets, discovery.DefaultMaxTargets),
		MaxResponseBytes: int64(orInt(j.MaxResponseMiB, discovery.DefaultMaxResponseBytes>>20)) << 20,
		ReservedLabels:   reservedLabels,
		StaticNames:      map[string]bool{},
		StaticURLs:       map[string]bool{},
	}
	for _, t := range out.Targets {
		cfg.StaticNames[t.Name] = true
		cfg.StaticURLs[t.URL] = true
	}
	for _, d := range j.Discoverers {
		cfg.Sources = append(cfg.Sources, discovery.SourceConfig{
			Name: d.Name, Kind: d.Kind, Host: d.Host, Port: d.Port, Resolver: d.Resolver,
			URL: d.URL, Jobs: d.Jobs, Username: d.BasicAuthUser,
			Password:    secrets[DiscoveryPasswordKey(d.Name)],
			BearerToken: secrets[DiscoveryBearerTokenKey(d.Name)],
			Path:        d.Path, URLTemplate: d.URLTemplate, MetricsURLTemplate: d.MetricsURLTemplate,
			NameLabel: d.NameLabel, Labels: d.Labels,
		})
	}
	errs = append(errs, cfg.Check()...)
	out.Discovery = cfg
	out.DiscoveredHeader = sharedHeader(authHeaderName, secrets)
	return errs
}
