package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// waitTimeout bounds every wait for a condition; tests poll rather than
// sleep, so they are as fast as the runtime allows and fail only when the
// condition never holds.
const waitTimeout = 10 * time.Second

// waitFor polls cond until it holds or waitTimeout passes; cond's message
// says what it saw last, for the failure report.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %s; last saw %s", what, waitTimeout, saw)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// dumpedGoroutine is one goroutine of a debug=2 goroutine dump.
type dumpedGoroutine struct {
	// state is the first part of the bracket in the header line, "chan
	// send" in "goroutine 7 [chan send, 2 minutes]:".
	state string
	// bracket is the whole bracket, "chan send, 2 minutes".
	bracket string
	// stack is the goroutine's own frames, without the "created by" lines
	// that name its creator.
	stack string
}

// goroutineDump takes this process's goroutine dump the way
// /debug/pprof/goroutine?debug=2 serves it.
func goroutineDump(t *testing.T) []dumpedGoroutine {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
		t.Fatal(err)
	}
	var dump []dumpedGoroutine
	for block := range strings.SplitSeq(buf.String(), "\n\n") {
		header, stack, _ := strings.Cut(block, "\n")
		stack, _, _ = strings.Cut(stack, "created by ")
		open, end := strings.Index(header, "["), strings.LastIndex(header, "]")
		if !strings.HasPrefix(header, "goroutine ") || open < 0 || end < open {
			continue
		}
		bracket := header[open+1 : end]
		state, _, _ := strings.Cut(bracket, ",")
		dump = append(dump, dumpedGoroutine{state: state, bracket: bracket, stack: stack})
	}
	return dump
}

// countGoroutines counts the goroutines in state whose stack has function;
// an empty state matches any.
func countGoroutines(dump []dumpedGoroutine, state, function string) int {
	n := 0
	for _, g := range dump {
		if (state == "" || g.state == state) && strings.Contains(g.stack, function) {
			n++
		}
	}
	return n
}

// statesOf lists, for a failure message, the states of the goroutines whose
// stack has function.
func statesOf(dump []dumpedGoroutine, function string) map[string]int {
	states := map[string]int{}
	for _, g := range dump {
		if strings.Contains(g.stack, function) {
			states[g.bracket]++
		}
	}
	return states
}

// newTestServer serves a fresh service and resets it when the test ends, so
// no test leaves goroutines, threads or memory behind for the next one.
func newTestServer(t *testing.T) (*service, *httptest.Server) {
	t.Helper()
	svc := &service{}
	srv := httptest.NewServer(svc.handler())
	t.Cleanup(func() {
		srv.Close()
		if err := svc.reset(); err != nil {
			t.Errorf("reset after test: %v", err)
		}
	})
	return svc, srv
}

// call makes a request and returns the status and body.
func call(t *testing.T, srv *httptest.Server, method, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// mustCall makes a request that has to succeed.
func mustCall(t *testing.T, srv *httptest.Server, method, path string) string {
	t.Helper()
	status, body := call(t, srv, method, path)
	if status != http.StatusOK {
		t.Fatalf("%s %s: status %d, body %s", method, path, status, body)
	}
	return body
}

// procStatus reads this process's thread count and resident set, skipping
// the test where /proc is missing.
func procStatus(t *testing.T) (threads int, rssBytes int64) {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("needs /proc/self/status: %v", err)
	}
	defer f.Close()
	th, rss := parseProcStatus(f)
	if th == nil || rss == nil {
		t.Fatal("/proc/self/status has no Threads or VmRSS line")
	}
	return *th, *rss
}
