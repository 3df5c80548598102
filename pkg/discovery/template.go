package discovery

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Default URL templates. A Prometheus target's address is where it is
// scraped, usually not where pprof listens, so its default is the same
// host on net/http/pprof's customary port; the other sources name the
// address of the pprof listener itself.
const (
	DefaultURLTemplate           = "http://{{address}}/debug/pprof"
	DefaultPrometheusURLTemplate = "http://{{host}}:6060/debug/pprof"
)

// templateFields are what a template may use: {{host}} as it goes in a URL
// (an IPv6 address in brackets), {{port}}, and {{address}} for host:port.
var templateFields = []string{"{{host}}", "{{port}}", "{{address}}"}

// CheckTemplate refuses a template that does not make an http(s) URL, uses
// an unknown field, or does not depend on the discovered host, which
// would map every address to the same target.
func CheckTemplate(tmpl string, allowQuery bool) error {
	rest := tmpl
	for _, p := range templateFields {
		rest = strings.ReplaceAll(rest, p, "")
	}
	if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
		return fmt.Errorf("%q uses a field other than {{host}}, {{port}} and {{address}}", tmpl)
	}
	if !strings.Contains(tmpl, "{{host}}") && !strings.Contains(tmpl, "{{address}}") {
		return fmt.Errorf("%q must use {{host}} or {{address}}, or every address would map to the same URL", tmpl)
	}
	if _, err := render(tmpl, "pprof.example.com", 6060, allowQuery); err != nil {
		return fmt.Errorf("%q: %v", tmpl, err)
	}
	return nil
}

// render fills a template with a host and port and checks the URL it
// makes: http or https, a host, no credentials, no fragment, and no query
// unless allowQuery (a scrape URL may carry one, a pprof base may not).
func render(tmpl, host string, port int, allowQuery bool) (*url.URL, error) {
	p := strconv.Itoa(port)
	urlHost := host
	if strings.Contains(host, ":") {
		urlHost = "[" + host + "]"
	}
	s := strings.NewReplacer("{{host}}", urlHost, "{{port}}", p, "{{address}}", net.JoinHostPort(host, p)).Replace(tmpl)
	return checkURL(s, allowQuery)
}

func checkURL(s string, allowQuery bool) (*url.URL, error) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, fmt.Errorf("%q is not a URL", s)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%q must start with http:// or https://", s)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%q has no host", s)
	case u.User != nil:
		return nil, fmt.Errorf("%q must not carry credentials", s)
	case u.Fragment != "" || (!allowQuery && u.RawQuery != ""):
		return nil, fmt.Errorf("%q must not carry a query or fragment", s)
	}
	return u, nil
}
