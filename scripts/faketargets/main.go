// Command faketargets serves many fake Go pprof targets on 127.0.0.1 for
// the scale benchmark (scripts/bench-targets.sh): each on its own port
// with the /debug/pprof/ index page, goroutine?debug=1 and debug=2 dumps
// of 200 to 2000 goroutines in server-like states, and a Prometheus
// /metrics page. Some targets are slow (they never answer; the client
// gives up) and some dead (nothing listens on their port). It counts
// every request and serves the counts as JSON on a control port.
//
// It prints one JSON line on start: the control URL and every target.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Target is one fake target as announced on start.
type Target struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	MetricsURL string `json:"metricsUrl"`
	Kind       string `json:"kind"` // live, slow or dead
	Goroutines int    `json:"goroutines"`
}

// Stats are the requests the targets received.
type Stats struct {
	// PerSecond counts requests by Unix second.
	PerSecond map[int64]int `json:"perSecond"`
	// Metrics and FullDumps are the times (Unix nanoseconds) each
	// target's /metrics page (read by the recorder's samples only) and
	// goroutine?debug=2 were asked for.
	Metrics   map[string][]int64 `json:"metrics"`
	FullDumps map[string][]int64 `json:"fullDumps"`
}

type recorder struct {
	mu    sync.Mutex
	stats Stats
}

func (r *recorder) note(name, endpoint string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.PerSecond[at.Unix()]++
	switch endpoint {
	case "metrics":
		r.stats.Metrics[name] = append(r.stats.Metrics[name], at.UnixNano())
	case "full":
		r.stats.FullDumps[name] = append(r.stats.FullDumps[name], at.UnixNano())
	}
}

func main() {
	n := flag.Int("n", 500, "targets")
	slow := flag.Int("slow", 10, "targets that never answer")
	dead := flag.Int("dead", 10, "targets nobody listens for")
	testdata := flag.String("pkg", "pkg", "the repository's pkg directory (test data)")
	flag.Parse()

	index, err := os.ReadFile(filepath.Join(*testdata, "indexpage", "testdata", "go1.27.html"))
	check(err)
	metrics, err := os.ReadFile(filepath.Join(*testdata, "processmetrics", "testdata", "client_golang_v1.24.1.txt"))
	check(err)
	// Ten dump sizes from 200 to 2000 goroutines, shared by the targets.
	var dumps [10]struct{ debug1, debug2 []byte }
	sizes := [10]int{}
	for i := range dumps {
		sizes[i] = 200 + i*200
		dumps[i].debug2, dumps[i].debug1 = makeDumps(sizes[i], uint64(i))
	}

	rec := &recorder{stats: Stats{PerSecond: map[int64]int{}, Metrics: map[string][]int64{}, FullDumps: map[string][]int64{}}}
	var targets []Target
	for i := range *n {
		name := fmt.Sprintf("svc-%03d", i)
		kind := "live"
		switch {
		case i < *slow:
			kind = "slow"
		case i < *slow+*dead:
			kind = "dead"
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		check(err)
		base := "http://" + ln.Addr().String()
		d := dumps[i%len(dumps)]
		t := Target{Name: name, URL: base + "/debug/pprof", MetricsURL: base + "/metrics", Kind: kind, Goroutines: sizes[i%len(dumps)]}
		targets = append(targets, t)
		if kind == "dead" {
			ln.Close()
			continue
		}
		page := bytes.Replace(index, []byte("<td>18</td><td><a href='goroutine?debug=1'>"), fmt.Appendf(nil, "<td>%d</td><td><a href='goroutine?debug=1'>", t.Goroutines), 1)
		handler := func(w http.ResponseWriter, r *http.Request) {
			at := time.Now()
			endpoint := "other"
			var body []byte
			switch {
			case r.URL.Path == "/metrics":
				endpoint, body = "metrics", metrics
			case r.URL.Path == "/debug/pprof/":
				body = page
			case r.URL.Path == "/debug/pprof/goroutine" && r.URL.Query().Get("debug") == "2":
				endpoint, body = "full", d.debug2
			case r.URL.Path == "/debug/pprof/goroutine" && r.URL.Query().Get("debug") == "1":
				body = d.debug1
			}
			rec.note(name, endpoint, at)
			if kind == "slow" {
				<-r.Context().Done()
				return
			}
			if body == nil {
				http.NotFound(w, r)
				return
			}
			w.Write(body)
		}
		go func() { check(http.Serve(ln, http.HandlerFunc(handler))) }()
	}

	ctl, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	go func() {
		check(http.Serve(ctl, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			json.NewEncoder(w).Encode(rec.stats)
		})))
	}()
	announce, err := json.Marshal(map[string]any{"control": "http://" + ctl.Addr().String(), "targets": targets})
	check(err)
	fmt.Printf("%s\n", announce)
	select {}
}

// States of a server's goroutines, with the share of each and whether
// the runtime prints a wait time.
var states = []struct {
	state string
	share int
	waits bool
}{
	{"IO wait", 30, true}, {"select", 25, true}, {"chan receive", 15, true}, {"sync.Mutex.Lock", 8, true},
	{"semacquire", 5, true}, {"sleep", 5, false}, {"runnable", 6, false}, {"running", 1, false}, {"syscall", 5, false},
}

var packages = []string{"net/http", "database/sql", "example.com/shop/cart", "example.com/shop/orders", "google.golang.org/grpc", "example.com/shop/cache"}

// makeDumps writes a goroutine?debug=2 dump of n goroutines, 8 to 24
// stack frames each, in the states of a busy server, and its debug=1
// summary.
func makeDumps(n int, seed uint64) (debug2, debug1 []byte) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	total := 0
	for _, s := range states {
		total += s.share
	}
	stacks := map[string]int{}
	for g := 1; g <= n; g++ {
		pick := rng.IntN(total)
		s := states[0]
		for _, c := range states {
			if pick < c.share {
				s = c
				break
			}
			pick -= c.share
		}
		header := s.state
		if s.waits && rng.IntN(3) == 0 {
			header += fmt.Sprintf(", %d minutes", 1+rng.IntN(90))
		}
		fmt.Fprintf(&b, "goroutine %d [%s]:\n", g, header)
		var stack strings.Builder
		depth := 8 + rng.IntN(17)
		for f := range depth {
			pkg := packages[(f+int(seed)+g%7)%len(packages)]
			fn := fmt.Sprintf("%s.(*handler%d).serve%d", pkg, f%5, (g+f)%11)
			fmt.Fprintf(&stack, "%s(0xc000%06x, 0x%x)\n\t/src/%s/file%d.go:%d +0x%x\n", fn, g*64+f, f*8, pkg, f%9, 40+f*13, 0x20+f)
		}
		b.WriteString(stack.String())
		fmt.Fprintf(&b, "created by %s.(*Server).Serve in goroutine 1\n\t/src/%s/server.go:3285 +0x4b4\n\n", packages[g%len(packages)], packages[g%len(packages)])
		stacks[fmt.Sprint(depth, g%13)]++
	}
	var s1 strings.Builder
	fmt.Fprintf(&s1, "goroutine profile: total %d\n", n)
	i := 0
	for _, count := range stacks {
		i++
		fmt.Fprintf(&s1, "%d @ 0x43e2ae 0x4%05x 0x471c21\n#\t0x4%05x\texample.com/shop/handler%d.serve+0x2e\t/src/shop/handler.go:%d\n\n", count, i, i, i, 40+i)
	}
	return []byte(b.String()), []byte(s1.String())
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
