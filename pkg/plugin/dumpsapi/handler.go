package dumpsapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/httpjson"
)

// Defaults for Options fields left at zero.
const (
	// DefaultMaxRequestBytes stays well below the 16 MiB a plugin accepts in
	// one gRPC message from Grafana.
	DefaultMaxRequestBytes int64 = 8 << 20
	// DefaultChunkSize also passes reverse proxies with a 1 MiB body limit
	// (nginx's default).
	DefaultChunkSize int64 = 1 << 20
)

// Options configures the API.
type Options struct {
	// MaxRequestBytes bounds a request body: a single-request upload or
	// one chunk.
	MaxRequestBytes int64
	// ChunkSize is the chunk size suggested to clients.
	ChunkSize int64
	// CanWrite decides who may upload, edit and delete; EditorsMayWrite
	// when nil.
	CanWrite WriteAccess
}

type handler struct {
	catalog *dumps.Catalog
	opts    Options
	routes  http.Handler
}

// New serves the dump API under /dumps, for the frontend through
// Grafana's CallResource (mount it with the SDK's httpadapter):
//
//	GET    /dumps?source=&format=&profile=&from=&to=  {"dumps": [Entry]}
//	GET    /dumps/sources                             {"sources": [Source], "formats": [{"id", "description", "profile"}], "usage": Usage}
//	POST   /dumps?name=<file name>                    raw body → Entry (201 new, 200 already stored)
//	POST   /dumps/uploads                             {"name", "size"} → 201 Upload + {"chunkSize", "maxRequestBytes"}
//	PUT    /dumps/uploads/{uploadId}?offset=N         chunk bytes → Upload (409 {"error", "received"} on a wrong offset)
//	POST   /dumps/uploads/{uploadId}/finish           → Entry (201 new, 200 already stored)
//	DELETE /dumps/uploads/{uploadId}                  → 204
//	GET    /dumps/{id}                                → Entry
//	PATCH  /dumps/{id}                                {"capturedAt": RFC 3339 or null} → Entry
//	DELETE /dumps/{id}                                → 204
//
// Errors are {"error": "..."} with status 400 (bad request, unrecognised or
// invalid dump, read-only directory dump), 403 (role), 404, 409 (offset),
// 413 (upload or decompression limit), 429 (too many uploads) or 507 (quota).
// Ids of directory files contain '/' and ':' and may be sent escaped.
func New(c *dumps.Catalog, opts Options) http.Handler {
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = DefaultChunkSize
	}
	opts.ChunkSize = min(opts.ChunkSize, opts.MaxRequestBytes)
	if opts.CanWrite == nil {
		opts.CanWrite = EditorsMayWrite
	}
	mux := http.NewServeMux()
	h := &handler{catalog: c, opts: opts, routes: httpjson.Routes(mux)}
	mux.HandleFunc("GET /dumps", h.list)
	mux.HandleFunc("POST /dumps", h.writer(h.put))
	mux.HandleFunc("GET /dumps/sources", h.sources)
	mux.HandleFunc("POST /dumps/uploads", h.writer(h.beginUpload))
	mux.HandleFunc("PUT /dumps/uploads/{upload}", h.writer(h.appendChunk))
	mux.HandleFunc("DELETE /dumps/uploads/{upload}", h.writer(h.abortUpload))
	mux.HandleFunc("POST /dumps/uploads/{upload}/finish", h.writer(h.finishUpload))
	mux.HandleFunc("GET /dumps/{id...}", h.entry)
	mux.HandleFunc("PATCH /dumps/{id...}", h.writer(h.setCapturedAt))
	mux.HandleFunc("DELETE /dumps/{id...}", h.writer(h.delete))
	return h
}

// ServeHTTP routes the request, answering in JSON too when no route matches.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.routes.ServeHTTP(w, r)
}

// writer guards a handler that changes the store.
func (h *handler) writer(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !h.opts.CanWrite(requestUser(r)) {
			writeError(w, http.StatusForbidden, "uploading, editing and deleting dumps needs the Editor or Admin role")
			return
		}
		if h.catalog.Store() == nil {
			writeError(w, http.StatusNotFound, "uploads are not enabled on this data source")
			return
		}
		next(w, r)
	}
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := dumps.Filter{Source: q.Get("source"), Profile: q.Get("profile")}
	if s := q.Get("format"); s != "" {
		format, ok := dumpformat.Parse(s)
		if !ok {
			writeError(w, http.StatusBadRequest, "unknown format "+strconv.Quote(s))
			return
		}
		f.Format = format
	}
	var err error
	if f.From, err = parseTimeParam(q.Get("from")); err != nil {
		writeError(w, http.StatusBadRequest, "from: "+err.Error())
		return
	}
	if f.To, err = parseTimeParam(q.Get("to")); err != nil {
		writeError(w, http.StatusBadRequest, "to: "+err.Error())
		return
	}
	entries := h.catalog.List(f)
	if entries == nil {
		entries = []dumps.Entry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"dumps": entries})
}

// formatInfo describes a format for the query editor's choices.
type formatInfo struct {
	ID          dumpformat.Format `json:"id"`
	Description string            `json:"description"`
	Profile     string            `json:"profile,omitempty"`
}

func (h *handler) sources(w http.ResponseWriter, _ *http.Request) {
	var formats []formatInfo
	for _, f := range dumpformat.All() {
		formats = append(formats, formatInfo{ID: f, Description: f.Description(), Profile: f.Profile()})
	}
	body := map[string]any{"sources": h.catalog.Sources(), "formats": formats}
	if s := h.catalog.Store(); s != nil {
		body["usage"] = s.Usage()
	}
	writeJSON(w, http.StatusOK, body)
}

func (h *handler) entry(w http.ResponseWriter, r *http.Request) {
	e, err := h.catalog.Entry(r.PathValue("id"))
	if err != nil {
		writeFailure(w, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (h *handler) setCapturedAt(w http.ResponseWriter, r *http.Request) {
	var body struct {
		CapturedAt *time.Time `json:"capturedAt"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var t time.Time
	if body.CapturedAt != nil {
		t = *body.CapturedAt
	}
	e, err := h.catalog.SetCapturedAt(r.PathValue("id"), t)
	if err != nil {
		writeFailure(w, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (h *handler) delete(w http.ResponseWriter, r *http.Request) {
	if err := h.catalog.Delete(r.PathValue("id")); err != nil {
		writeFailure(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// parseTimeParam reads RFC 3339 or Unix milliseconds (what Grafana's time
// range gives the frontend).
func parseTimeParam(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("want RFC 3339 or Unix milliseconds")
	}
	return t, nil
}
