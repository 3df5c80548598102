package main

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// param is one bounded integer parameter of a misbehaviour endpoint.
type param struct {
	name     string
	min, max int
	def      int
	meaning  string
}

// misbehaviour is one endpoint that starts a misbehaviour. The table below
// drives both the routes and the index page, so they cannot disagree.
type misbehaviour struct {
	path    string
	summary string
	params  []param
	start   func(s *service, values map[string]int) error
}

var misbehaviours = []misbehaviour{
	{
		path:    "/misbehave/deadlock",
		summary: "Two goroutines lock two mutexes in opposite order and deadlock; n more pile up on the first mutex.",
		params:  []param{{"n", 1, maxDeadlockGoroutines - 2, 1000, "goroutines queued behind the deadlock"}},
		start:   func(s *service, v map[string]int) error { return s.deadlock.start(v["n"]) },
	},
	{
		path:    "/misbehave/chanblock",
		summary: "n goroutines block on unbuffered channels: a third sending, a third receiving, a third in a select with no ready case.",
		params:  []param{{"n", 1, maxChannelBlockGoroutines, 300, "goroutines blocked"}},
		start:   func(s *service, v map[string]int) error { return s.chanBlock.start(v["n"]) },
	},
	{
		path:    "/misbehave/leak",
		summary: "Leak per_second goroutines a second, each waiting on a channel nobody sends to, until max have leaked or a reset.",
		params: []param{
			{"per_second", 1, maxLeakPerSecond, 10, "goroutines leaked a second"},
			{"max", 1, maxLeakedGoroutines, 2000, "goroutines after which the leak stops"},
		},
		start: func(s *service, v map[string]int) error { return s.leak.start(v["per_second"], v["max"]) },
	},
	{
		path:    "/misbehave/rss",
		summary: "Allocate mib MiB, write to every page and hold it.",
		params:  []param{{"mib", 1, maxHeldMiB, 256, "MiB allocated and held"}},
		start:   func(s *service, v map[string]int) error { return s.memory.start(v["mib"]) },
	},
	{
		path:    "/misbehave/threads",
		summary: "n goroutines block in read(2) on pipes nobody writes to, each holding an OS thread.",
		params: []param{
			{"n", 1, maxLeakedThreads, 32, "threads held in system calls"},
			{"locked", 0, maxLeakedThreads, 0, "goroutines locked to their threads, waiting on a channel"},
		},
		start: func(s *service, v map[string]int) error { return s.threads.start(v["n"], v["locked"]) },
	},
	{
		path:    "/misbehave/cpu",
		summary: "workers goroutines hash in a loop for seconds seconds.",
		params: []param{
			{"workers", 1, maxCPUWorkers, 2, "busy goroutines"},
			{"seconds", 1, maxCPUSeconds, 30, "how long they stay busy"},
		},
		start: func(s *service, v map[string]int) error {
			return s.cpu.start(v["workers"], time.Duration(v["seconds"])*time.Second)
		},
	},
}

// handler routes every endpoint of the demo.
func (s *service) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", serveIndex)
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.snapshot())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry(), promhttp.HandlerOpts{}))

	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	// GET as well as POST, so each one is a link on the index page.
	for _, m := range misbehaviours {
		h := s.misbehaviourHandler(m)
		mux.HandleFunc("GET "+m.path, h)
		mux.HandleFunc("POST "+m.path, h)
	}
	resetHandler := func(w http.ResponseWriter, r *http.Request) {
		if err := s.reset(); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.snapshot())
	}
	mux.HandleFunc("GET /reset", resetHandler)
	mux.HandleFunc("POST /reset", resetHandler)
	return traced(mux)
}

// traced serves each request in a runtime/trace region named after it, as
// a service annotates its work, so the flight recorder's traces have
// region durations to show (the requests of Grafana's recorder among them).
func traced(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trace.WithRegion(r.Context(), r.Method+" "+r.URL.Path, func() { h.ServeHTTP(w, r) })
	})
}

// misbehaviourHandler validates m's parameters, starts it and answers with
// the state afterwards.
func (s *service) misbehaviourHandler(m misbehaviour) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		values, err := m.parse(r)
		if err != nil {
			writeError(w, err)
			return
		}
		s.mu.Lock()
		err = m.start(s, values)
		s.mu.Unlock()
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, s.snapshot())
	}
}

// parse reads m's parameters from the query string or a form body, using
// defaults for missing ones and refusing unknown names, non-integers and
// values out of bounds.
func (m misbehaviour) parse(r *http.Request) (map[string]int, error) {
	if err := r.ParseForm(); err != nil {
		return nil, badRequest("reading parameters: %v", err)
	}
	for name := range r.Form {
		if !m.takes(name) {
			return nil, badRequest("unknown parameter %q: %s takes %s", name, m.path, m.paramNames())
		}
	}
	values := make(map[string]int, len(m.params))
	for _, p := range m.params {
		raw := r.Form.Get(p.name)
		if raw == "" {
			values[p.name] = p.def
			continue
		}
		v, err := strconv.Atoi(raw)
		if err != nil {
			return nil, badRequest("%s must be an integer, got %q", p.name, raw)
		}
		if v < p.min || v > p.max {
			return nil, badRequest("%s must be between %d and %d, got %d", p.name, p.min, p.max, v)
		}
		values[p.name] = v
	}
	return values, nil
}

func (m misbehaviour) takes(name string) bool {
	for _, p := range m.params {
		if p.name == name {
			return true
		}
	}
	return false
}

func (m misbehaviour) paramNames() string {
	names := make([]string, len(m.params))
	for i, p := range m.params {
		names[i] = p.name
	}
	return strings.Join(names, ", ")
}

// exampleURL is the endpoint with every parameter at its default.
func (m misbehaviour) exampleURL() string {
	query := make([]string, len(m.params))
	for i, p := range m.params {
		query[i] = fmt.Sprintf("%s=%d", p.name, p.def)
	}
	return m.path + "?" + strings.Join(query, "&")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
}

var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Go pprof demo target</title></head>
<body>
<h1>Go pprof demo target</h1>
<p>A Go service that misbehaves on request. Every link below is a GET; POST works too.
Parameters are optional; the links use the defaults.</p>
<ul>
<li><a href="/state">/state</a>: goroutines, threads, RSS and what is active, as JSON</li>
<li><a href="/debug/pprof/">/debug/pprof/</a>: net/http/pprof
(<a href="/debug/pprof/goroutine?debug=2">goroutine dump</a>)</li>
<li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
<li><a href="/reset">/reset</a>: release everything</li>
</ul>
<h2>Misbehaviours</h2>
<dl>
{{range .}}<dt><a href="{{.ExampleURL}}">{{.Path}}</a></dt>
<dd>{{.Summary}}<ul>{{range .Params}}
<li><code>{{.Name}}</code>: {{.Meaning}}, {{.Min}} to {{.Max}}, default {{.Default}}</li>{{end}}
</ul></dd>
{{end}}</dl>
</body></html>
`))

func serveIndex(w http.ResponseWriter, r *http.Request) {
	type paramView struct {
		Name, Meaning     string
		Min, Max, Default int
	}
	type endpointView struct {
		Path, Summary, ExampleURL string
		Params                    []paramView
	}
	views := make([]endpointView, len(misbehaviours))
	for i, m := range misbehaviours {
		views[i] = endpointView{Path: m.path, Summary: m.summary, ExampleURL: m.exampleURL()}
		for _, p := range m.params {
			views[i].Params = append(views[i].Params, paramView{p.name, p.meaning, p.min, p.max, p.def})
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	indexPage.Execute(w, views)
}
