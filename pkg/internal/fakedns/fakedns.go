// Package fakedns is a small authoritative DNS server over UDP for tests:
// A, AAAA and SRV records that a test changes as it goes, and NXDOMAIN for
// names it does not know.
package fakedns

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// Server is a running DNS server.
type Server struct {
	// Addr is its host:port.
	Addr string
	mu   sync.Mutex
	ips  map[string][]netip.Addr
	srvs map[string][]net.SRV
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	s := &Server{Addr: pc.LocalAddr().String(), ips: map[string][]netip.Addr{}, srvs: map[string][]net.SRV{}}
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

// Set gives a name its addresses and SRV records.
func (s *Server) Set(name string, ips []netip.Addr, srvs []net.SRV) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ips[name], s.srvs[name] = ips, srvs
}

// Remove makes a name unknown (NXDOMAIN).
func (s *Server) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.ips, name)
	delete(s.srvs, name)
}

func (s *Server) answer(req []byte) ([]byte, bool) {
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
