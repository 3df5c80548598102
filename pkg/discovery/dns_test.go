package discovery

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/goscope/pprof/pkg/internal/fakedns"
)

func targetNames(ts []Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	slices.Sort(out)
	return out
}

func TestDNSAddresses(t *testing.T) {
	dns := fakedns.Start(t)
	dns.Set("api.test", []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1"), netip.MustParseAddr("8.8.8.8")}, nil)
	m := New(Config{
		Sources: []SourceConfig{{Name: "api", Kind: KindDNS, Host: "api.test", Port: 6060, Resolver: dns.Addr, Labels: map[string]string{"service": "api"}}},
		Allow:   mustAllow(t, []string{"10.0.0.0/8", "fd00::/8"}, nil, []string{"6060"}),
	}, nil)
	m.Refresh(context.Background())
	got := m.Targets(context.Background())
	if want := []string{"10.0.0.1:6060", "10.0.0.2:6060", "fd00--1:6060"}; !slices.Equal(targetNames(got), want) {
		t.Fatalf("names %v, want %v; status %+v", targetNames(got), want, m.Status())
	}
	for _, tg := range got {
		if tg.Name == "fd00--1:6060" && tg.URL != "http://[fd00::1]:6060/debug/pprof" {
			t.Errorf("IPv6 URL %s", tg.URL)
		}
		if tg.Labels["service"] != "api" || tg.MetricsURL != "" {
			t.Errorf("target %+v", tg)
		}
	}
	st := m.Status()
	if st.NotAllowed != 1 || st.Sources[0].Found != 4 {
		t.Errorf("status %+v", st)
	}

	// A pod goes away and another comes: the next refresh follows.
	dns.Set("api.test", []netip.Addr{netip.MustParseAddr("10.0.0.3")}, nil)
	m.Refresh(context.Background())
	if got := targetNames(m.Targets(context.Background())); !slices.Equal(got, []string{"10.0.0.3:6060"}) {
		t.Errorf("after the change: %v", got)
	}

	// The name vanishes: the last good targets stay, the error is told.
	dns.Remove("api.test")
	m.Refresh(context.Background())
	if got := targetNames(m.Targets(context.Background())); !slices.Equal(got, []string{"10.0.0.3:6060"}) {
		t.Errorf("after a failure: %v", got)
	}
	if n := m.Status().Notice(); n == "" {
		t.Error("no notice of the failed refresh")
	} else {
		t.Log(n)
	}
}

func TestDNSSRV(t *testing.T) {
	dns := fakedns.Start(t)
	dns.Set("_pprof._tcp.api.test", nil, []net.SRV{
		{Target: "api-0.api.test.", Port: 6060, Priority: 1, Weight: 1},
		{Target: "api-1.api.test.", Port: 6061, Priority: 1, Weight: 1},
		{Target: "evil.example.com.", Port: 6060, Priority: 1, Weight: 1},
		{Target: "api-2.api.test.", Port: 22, Priority: 1, Weight: 1},
	})
	m := New(Config{
		Sources: []SourceConfig{{Name: "api", Kind: KindSRV, Host: "_pprof._tcp.api.test", Resolver: dns.Addr}},
		Allow:   mustAllow(t, nil, []string{"*.api.test"}, []string{"6060-6069"}),
	}, nil)
	m.Refresh(context.Background())
	got := m.Targets(context.Background())
	if want := []string{"api-0.api.test:6060", "api-1.api.test:6061"}; !slices.Equal(targetNames(got), want) {
		t.Fatalf("names %v, want %v; status %+v", targetNames(got), want, m.Status())
	}
	if st := m.Status(); st.NotAllowed != 2 || len(st.Examples) != 2 {
		t.Errorf("status %+v", st)
	}
}

// fakeResolver answers from memory, or fails.
type fakeResolver struct {
	addrs []netip.Addr
	err   error
}

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return f.addrs, f.err
}

func (f fakeResolver) LookupSRV(context.Context, string, string, string) (string, []*net.SRV, error) {
	return "", nil, f.err
}

func TestDNSThousandsBeyondTheCap(t *testing.T) {
	var addrs []netip.Addr
	base := netip.MustParseAddr("10.0.0.0")
	for range 5000 {
		base = base.Next()
		addrs = append(addrs, base)
	}
	m := New(Config{
		Sources:    []SourceConfig{{Name: "big", Kind: KindDNS, Host: "big.test", Port: 6060}},
		Allow:      mustAllow(t, []string{"10.0.0.0/8"}, nil, nil),
		MaxTargets: 1000,
	}, fakeResolver{addrs: addrs})
	m.Refresh(context.Background())
	got := m.Targets(context.Background())
	st := m.Status()
	if len(got) != 1000 || st.OverLimit != 4000 {
		t.Fatalf("%d targets, %d over the limit", len(got), st.OverLimit)
	}
	// The same thousand every time, whatever order DNS answers in.
	slices.Reverse(addrs)
	m2 := New(m.cfg, fakeResolver{addrs: addrs})
	m2.Refresh(context.Background())
	if !slices.Equal(targetNames(got), targetNames(m2.Targets(context.Background()))) {
		t.Error("the targets kept depend on the order of the answer")
	}
}

func mustAddrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}
