package discovery

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Resolver is what DNS sources ask; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// NewResolver asks the DNS server at addr (host:port), or the system's
// resolver when addr is empty.
func NewResolver(addr string) Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
}

// dnsSource finds one address per A and AAAA record of a name (a
// Kubernetes headless service has one per ready pod), all on one port.
type dnsSource struct {
	resolver Resolver
	host     string
	port     int
}

func (s dnsSource) Discover(ctx context.Context) ([]Address, error) {
	addrs, err := s.resolver.LookupNetIP(ctx, "ip", s.host)
	if err != nil {
		return nil, fmt.Errorf("looking up %s: %w", s.host, err)
	}
	out := make([]Address, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, Address{Host: a.Unmap().String(), Port: s.port})
	}
	return out, nil
}

// srvSource finds one address per SRV record of a name, such as
// _pprof._tcp.api.default.svc.cluster.local, at the record's target host
// and port.
type srvSource struct {
	resolver Resolver
	name     string
}

func (s srvSource) Discover(ctx context.Context) ([]Address, error) {
	_, records, err := s.resolver.LookupSRV(ctx, "", "", s.name)
	if err != nil {
		return nil, fmt.Errorf("looking up SRV records of %s: %w", s.name, err)
	}
	out := make([]Address, 0, len(records))
	for _, r := range records {
		out = append(out, Address{Host: strings.TrimSuffix(r.Target, "."), Port: int(r.Port)})
	}
	return out, nil
}
