// Package httpjson answers the plugin's HTTP resources in JSON: bodies,
// errors as {"error": "..."}, and the 404 and 405 of requests that match no
// route, so the frontend reads every answer the same way.
package httpjson

import (
	"encoding/json"
	"net/http"
)

// Write sends body as JSON with the status.
func Write(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status is sent; an encoding failure can only be a broken
	// connection, which the client sees as such.
	_ = json.NewEncoder(w).Encode(body)
}

// Error sends {"error": msg} with the status.
func Error(w http.ResponseWriter, status int, msg string) {
	Write(w, status, map[string]any{"error": msg})
}

// Routes serves mux, answering in JSON when no route matches: 405 with
// Allow for a known path and another method, 404 otherwise. It also gives
// a request without a body an empty one, as a server request always has:
// the plugin SDK's HTTP adapter leaves the body nil when Grafana sends
// none.
func Routes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil {
			r.Body = http.NoBody
		}
		fallback, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own answer tells a wrong method from a wrong path;
		// only its status and headers are kept.
		probe := &statusRecorder{header: http.Header{}, status: http.StatusOK}
		fallback.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if probe.status == http.StatusMethodNotAllowed {
			Error(w, probe.status, r.Method+" is not supported on "+r.URL.Path)
			return
		}
		Error(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
	})
}

type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header         { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusRecorder) WriteHeader(status int)      { s.status = status }
