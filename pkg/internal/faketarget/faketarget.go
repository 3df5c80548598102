// Package faketarget is a pprof target for tests: it serves real dumps and
// profiles of the repository's test data, switches on demand from a
// "before" process to an "after" one whose goroutines grew (the real
// dumps of pkg/stackgroups/testdata/growth) and back, and counts the full
// goroutine dumps it is asked for. Each switch makes what it serves differ
// in bytes from what it served before, as a real process's dumps and
// profiles do, so that the dump store, which keeps identical content
// once, keeps the captures of every jump.
package faketarget

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Counts of the growth dumps (see pkg/stackgroups/testdata/growth).
const (
	BeforeGoroutines = 29
	AfterGoroutines  = 467
)

// Target is a running fake target.
type Target struct {
	srv   *httptest.Server
	after atomic.Bool
	// switches counts Grow and Shrink calls: the variant of the bytes
	// served.
	switches atomic.Uint32

	mu        sync.Mutex
	fullDumps int
	requests  map[string]int

	index  []byte
	phases [2]phase
	// files are the endpoints that do not change when goroutines grow.
	files map[string][]byte
}

// phase is what the process serves before or after its goroutines grew.
type phase struct {
	goroutines             int
	debug2, debug1, heapPB []byte
}

// root is the repository's pkg directory, found from this file.
func root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func read(path ...string) []byte {
	data, err := os.ReadFile(filepath.Join(append([]string{root()}, path...)...))
	if err != nil {
		panic(err)
	}
	return data
}

// Start serves a target that is in its "before" state.
func Start() *Target {
	growth := func(name string) []byte { return read("stackgroups", "testdata", "growth", name) }
	t := &Target{
		requests: map[string]int{},
		index:    read("indexpage", "testdata", "go1.27.html"),
		phases: [2]phase{
			{BeforeGoroutines, growth("before.debug2.txt"), growth("before.debug1.txt"), growth("before.heap.pb.gz")},
			{AfterGoroutines, growth("after.debug2.txt"), growth("after.debug1.txt"), growth("after.heap.pb.gz")},
		},
		files: map[string][]byte{
			"goroutine":    read("profiles", "testdata", "goroutine.pb.gz"),
			"threadcreate": read("profiles", "testdata", "threadcreate.pb.gz"),
			"profile":      read("profiles", "testdata", "cpu.pb.gz"),
			"trace":        read("dumpformat", "testdata", "go1.27", "trace.out"),
		},
	}
	t.srv = httptest.NewServer(http.HandlerFunc(t.serve))
	return t
}

// URL is the target's /debug/pprof base.
func (t *Target) URL() string { return t.srv.URL + "/debug/pprof" }

// Close stops the server.
func (t *Target) Close() { t.srv.Close() }

// Grow switches the target to its "after" state.
func (t *Target) Grow() {
	t.after.Store(true)
	t.switches.Add(1)
}

// Shrink switches the target back to its "before" state, so that it can
// grow again.
func (t *Target) Shrink() {
	t.after.Store(false)
	t.switches.Add(1)
}

// variant returns data as served after n switches: gzip streams with n as
// their header's modification time (outside the checksum), text with n
// more trailing newlines; the same content to any reader.
func variant(data []byte, n uint32) []byte {
	if n == 0 {
		return data
	}
	if len(data) >= 10 && data[0] == 0x1f && data[1] == 0x8b {
		out := bytes.Clone(data)
		binary.LittleEndian.PutUint32(out[4:8], n)
		return out
	}
	return append(bytes.Clone(data), bytes.Repeat([]byte("\n"), int(n))...)
}

// FullDumps is how many goroutine?debug=2 dumps the target served.
func (t *Target) FullDumps() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fullDumps
}

// Requests is how many times an endpoint ("goroutine?debug=2", "heap",
// "" for the index) was asked for.
func (t *Target) Requests(endpoint string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.requests[endpoint]
}

func (t *Target) serve(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, "/debug/pprof/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	debug := r.URL.Query().Get("debug")
	key := name
	if debug != "" && debug != "0" {
		key += "?debug=" + debug
	}
	t.mu.Lock()
	t.requests[key]++
	if key == "goroutine?debug=2" {
		t.fullDumps++
	}
	t.mu.Unlock()
	p := t.phases[0]
	if t.after.Load() {
		p = t.phases[1]
	}
	n := t.switches.Load()
	switch {
	case name == "":
		w.Write(bytes.Replace(t.index, []byte("<td>18</td><td><a href='goroutine?debug=1'>"), fmt.Appendf(nil, "<td>%d</td><td><a href='goroutine?debug=1'>", p.goroutines), 1))
	case key == "goroutine?debug=2":
		w.Write(variant(p.debug2, n))
	case key == "goroutine?debug=1":
		w.Write(variant(p.debug1, n))
	case name == "heap":
		w.Write(variant(p.heapPB, n))
	case name == "trace":
		w.Write(t.files[name])
	case t.files[name] != nil:
		w.Write(variant(t.files[name], n))
	default:
		http.NotFound(w, r)
	}
}
