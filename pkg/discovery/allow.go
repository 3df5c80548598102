package discovery

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// AllowList is where discovered targets may point. An address is allowed
// when its host is inside one of Networks (an IP address) or matches one
// of Hosts (a name), and its port is in one of Ports, or any port when
// Ports is empty. Names are matched as names, never resolved: an admin
// who allows a name trusts its DNS.
type AllowList struct {
	Networks []netip.Prefix
	// Hosts are lower-case names: exact, or "*.suffix" for any name below
	// suffix (not suffix itself).
	Hosts []string
	Ports []PortRange
}

// PortRange is an inclusive range of TCP ports.
type PortRange struct{ Lo, Hi int }

// ParseAllowList reads the admin's lists: networks in CIDR notation (a
// bare address is a single host), host names exact or "*.suffix", and
// ports as "6060" or "6060-6069".
func ParseAllowList(networks, hosts, ports []string) (AllowList, []error) {
	var a AllowList
	var errs []error
	for _, n := range networks {
		n = strings.TrimSpace(n)
		p, err := netip.ParsePrefix(n)
		if err != nil {
			addr, aerr := netip.ParseAddr(n)
			if aerr != nil || addr.Zone() != "" {
				errs = append(errs, fmt.Errorf("allowed network %q is not a network such as 10.0.0.0/8 or fd00::/8", n))
				continue
			}
			p = netip.PrefixFrom(addr, addr.BitLen())
		}
		a.Networks = append(a.Networks, p.Masked())
	}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
		name := strings.TrimPrefix(h, "*.")
		if _, err := netip.ParseAddr(name); err == nil {
			errs = append(errs, fmt.Errorf("allowed host %q is an address: list it under allowed networks", h))
			continue
		}
		if !validHostName(name) || strings.Contains(name, "*") {
			errs = append(errs, fmt.Errorf("allowed host %q must be a host name such as pprof.example.com, or *.example.com for the names below it", h))
			continue
		}
		a.Hosts = append(a.Hosts, h)
	}
	for _, p := range ports {
		r, err := parsePortRange(strings.TrimSpace(p))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		a.Ports = append(a.Ports, r)
	}
	return a, errs
}

func parsePortRange(s string) (PortRange, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	l, err1 := strconv.Atoi(strings.TrimSpace(lo))
	h, err2 := strconv.Atoi(strings.TrimSpace(hi))
	if err1 != nil || err2 != nil || l < 1 || h > 65535 || l > h {
		return PortRange{}, fmt.Errorf("allowed port %q must be a port (1-65535) such as 6060, or a range such as 6060-6069", s)
	}
	return PortRange{l, h}, nil
}

// Empty reports whether the list allows nothing at all.
func (a AllowList) Empty() bool { return len(a.Networks) == 0 && len(a.Hosts) == 0 }

// AllowsURL checks the host and port a URL connects to.
func (a AllowList) AllowsURL(u *url.URL) error {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return fmt.Errorf("port %q is not a TCP port", port)
	}
	return a.Allows(u.Hostname(), p)
}

// Allows checks one host (an IP address or a name) and port.
func (a AllowList) Allows(host string, port int) error {
	if !a.allowsPort(port) {
		return fmt.Errorf("port %d is not an allowed port", port)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return fmt.Errorf("address %s has a zone, which the allow-list does not match", host)
		}
		addr = addr.Unmap()
		for _, n := range a.Networks {
			if n.Contains(addr) {
				return nil
			}
		}
		return fmt.Errorf("address %s is in no allowed network", addr)
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if !validHostName(name) {
		return fmt.Errorf("%q is neither an IP address nor a host name", host)
	}
	for _, h := range a.Hosts {
		if h == name || (strings.HasPrefix(h, "*.") && strings.HasSuffix(name, h[1:])) {
			return nil
		}
	}
	return fmt.Errorf("host %s matches no allowed host name", name)
}

func (a AllowList) allowsPort(p int) bool {
	if p < 1 || p > 65535 {
		return false
	}
	if len(a.Ports) == 0 {
		return true
	}
	for _, r := range a.Ports {
		if p >= r.Lo && p <= r.Hi {
			return true
		}
	}
	return false
}

// validHostName accepts DNS names of letters, digits, '-' and '_' (as in
// SRV owner names) in dot-separated labels.
func validHostName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}
