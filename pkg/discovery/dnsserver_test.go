package discovery

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer is a small authoritative DNS server over UDP whose records a
// test changes as it goes.
type dnsServer struct {
	addr string
	mu   sync.Mutex
	ips  map[string][]netip.Addr
	srvs map[string][]net.SRV
}

func startDNS(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	s := &dnsServer{addr: pc.LocalAddr().String(), ips: map[string][]netip.Addr{}, srvs: map[string][]net.SRV{}}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if out, ok := s.answer(buf[:n]); ok {
				pc.WriteTo(out, from)
			}
		}
	}()
	return s
}

func (s *dnsServer) set(name string, ips []netip.Addr, srvs []net.SRV) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ips[name], s.srvs[name] = ips, srvs
}

// remove makes a name unknown (NXDOMAIN).
func (s *dnsServer) remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ips, name)
	delete(s.srvs, name)
}

func (s *dnsServer) answer(req []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	name := strings.TrimSuffix(q.Name.String(), ".")
	_, known := s.ips[name]
	_, knownSRV := s.srvs[name]
	rcode := dnsmessage.RCodeSuccess
	if !known && !knownSRV {
		rcode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: rcode})
	b.EnableCompression()
	b.StartQuestions()
	b.Question(q)
	b.StartAnswers()
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 5}
	for _, ip := range s.ips[name] {
		switch {
		case q.Type == dnsmessage.TypeA && ip.Is4():
			b.AResource(rh, dnsmessage.AResource{A: ip.As4()})
		case q.Type == dnsmessage.TypeAAAA && ip.Is6():
			b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: ip.As16()})
		}
	}
	if q.Type == dnsmessage.TypeSRV {
		for _, r := range s.srvs[name] {
			b.SRVResource(rh, dnsmessage.SRVResource{Priority: r.Priority, Weight: r.Weight, Port: r.Port, Target: dnsmessage.MustNewName(r.Target)})
		}
	}
	out, err := b.Finish()
	return out, err == nil
}
