package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestStateReportsTheProcess(t *testing.T) {
	_, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/deadlock?n=50")

	var st state
	if err := json.Unmarshal([]byte(mustCall(t, srv, "GET", "/state")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Goroutines < 52 {
		t.Errorf("goroutines %d, want at least the 52 the deadlock holds", st.Goroutines)
	}
	if st.Active.Deadlock.Goroutines != 52 {
		t.Errorf("active deadlock goroutines %d, want 52", st.Active.Deadlock.Goroutines)
	}
	if st.ThreadCreate <= 0 || st.HeapInuseBytes == 0 {
		t.Errorf("threadcreate %d, heapInuseBytes %d, want both positive", st.ThreadCreate, st.HeapInuseBytes)
	}
	threads, _ := procStatus(t)
	if st.Threads == nil || *st.Threads <= 0 || st.RSSBytes == nil || *st.RSSBytes <= 0 {
		t.Errorf("threads %v, rssBytes %v, want both positive (this process has %d threads)", st.Threads, st.RSSBytes, threads)
	}
}

func TestParametersOutOfBoundsAreRefused(t *testing.T) {
	svc, srv := newTestServer(t)
	for _, tc := range []struct {
		method, path string
		status       int
		message      string
	}{
		{"POST", "/misbehave/deadlock?n=0", 400, "n must be between 1 and 49998, got 0"},
		{"POST", "/misbehave/deadlock?n=49999", 400, "n must be between 1 and 49998, got 49999"},
		{"POST", "/misbehave/deadlock?n=lots", 400, `n must be an integer, got "lots"`},
		{"POST", "/misbehave/deadlock?n=1e3", 400, `n must be an integer, got "1e3"`},
		{"POST", "/misbehave/deadlock?N=5", 400, `unknown parameter "N": /misbehave/deadlock takes n`},
		{"POST", "/misbehave/chanblock?n=-3", 400, "n must be between 1 and 50000, got -3"},
		{"POST", "/misbehave/leak?per_second=0", 400, "per_second must be between 1 and 1000, got 0"},
		{"POST", "/misbehave/leak?max=50001", 400, "max must be between 1 and 50000, got 50001"},
		{"POST", "/misbehave/rss?mib=4097", 400, "mib must be between 1 and 4096, got 4097"},
		{"POST", "/misbehave/threads?n=1001", 400, "n must be between 1 and 1000, got 1001"},
		{"POST", "/misbehave/cpu?workers=65", 400, "workers must be between 1 and 64, got 65"},
		{"POST", "/misbehave/cpu?seconds=601", 400, "seconds must be between 1 and 600, got 601"},
		{"DELETE", "/misbehave/deadlock", 405, ""},
		{"PUT", "/reset", 405, ""},
		{"GET", "/misbehave/fork-bomb", 404, ""},
	} {
		status, body := call(t, srv, tc.method, tc.path)
		var refusal struct{ Error string }
		if tc.message != "" {
			json.Unmarshal([]byte(body), &refusal)
		}
		if status != tc.status || refusal.Error != tc.message {
			t.Errorf("%s %s: status %d, body %q; want %d with %q", tc.method, tc.path, status, body, tc.status, tc.message)
		}
	}
	if a := svc.snapshot().Active; a != (active{}) {
		t.Errorf("refused requests started something: %+v", a)
	}
}

func TestRequestsBeyondWhatIsRunningConflict(t *testing.T) {
	svc, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/cpu?workers=1&seconds=600")
	if status, body := call(t, srv, "POST", "/misbehave/cpu"); status != http.StatusConflict {
		t.Errorf("second CPU spin: status %d, body %s; want 409", status, body)
	}

	mustCall(t, srv, "POST", "/misbehave/leak?per_second=1000&max=10")
	waitFor(t, "the short leak to end", func() (bool, string) {
		a := svc.snapshot().Active.Leak
		return !a.Leaking && a.Goroutines == 10, fmt.Sprintf("%+v", a)
	})
	// The 10 already leaked count toward the cap of 50000.
	status, body := call(t, srv, "POST", "/misbehave/leak?per_second=1&max=50000")
	if status != http.StatusConflict || !strings.Contains(body, "50010") {
		t.Errorf("leak past the cap: status %d, body %s; want 409 naming 50010 goroutines", status, body)
	}
	mustCall(t, srv, "POST", "/misbehave/leak?per_second=1&max=100")
	if status, body := call(t, srv, "POST", "/misbehave/leak"); status != http.StatusConflict {
		t.Errorf("second running leak: status %d, body %s; want 409", status, body)
	}
}

func TestIndexPageLinksEveryMisbehaviour(t *testing.T) {
	_, srv := newTestServer(t)
	page := mustCall(t, srv, "GET", "/")
	for _, m := range misbehaviours {
		link := strings.ReplaceAll(m.exampleURL(), "&", "&amp;")
		if !strings.Contains(page, `href="`+link+`"`) {
			t.Errorf("index page has no link to %s", link)
		}
	}
	for _, want := range []string{`href="/reset"`, `href="/state"`, `href="/debug/pprof/"`, `href="/metrics"`} {
		if !strings.Contains(page, want) {
			t.Errorf("index page lacks %s", want)
		}
	}
	if status, _ := call(t, srv, "GET", "/nothing-here"); status != http.StatusNotFound {
		t.Errorf("unknown path: status %d, want 404", status)
	}
}

func TestMetricsShowWhatIsActive(t *testing.T) {
	_, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/deadlock?n=10")
	mustCall(t, srv, "POST", "/misbehave/rss?mib=1")
	body := mustCall(t, srv, "GET", "/metrics")
	for _, want := range []string{
		`demo_misbehaviour_goroutines{misbehaviour="deadlock"} 12`,
		`demo_misbehaviour_goroutines{misbehaviour="leak"} 0`,
		`demo_held_memory_bytes 1.048576e+06`,
		`demo_leak_active 0`,
		"go_goroutines ",
		"go_threads ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestPprofServesTheGoroutineDump(t *testing.T) {
	_, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/chanblock?n=3")
	if index := mustCall(t, srv, "GET", "/debug/pprof/"); !strings.Contains(index, "goroutine") {
		t.Errorf("/debug/pprof/ index lacks the goroutine profile:\n%s", index)
	}
	waitFor(t, "the channel-blocked sender in the served dump", func() (bool, string) {
		dump := mustCall(t, srv, "GET", "/debug/pprof/goroutine?debug=2")
		return strings.Contains(dump, "[chan send]:") && strings.Contains(dump, ".(*channelBlock).sendNobodyReceives"),
			fmt.Sprintf("%d bytes of dump", len(dump))
	})
}
