package dumpsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/internal/hostile"
)

var (
	editor = &backend.User{Login: "alice", Role: "Editor"}
	viewer = &backend.User{Login: "victor", Role: "Viewer"}
)

type testAPI struct {
	t       *testing.T
	handler http.Handler
}

// newTestAPI serves a store and a dump directory named holmes.
func newTestAPI(t *testing.T, store dumps.StoreOptions, opts Options) *testAPI {
	t.Helper()
	if store.Dir == "" {
		store.Dir = t.TempDir()
	}
	s, err := dumps.OpenStore(store)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d, err := dumps.OpenDirectories(dumps.DirOptions{Dirs: []dumps.DirConfig{{Name: "holmes", Path: holmesDir(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	return &testAPI{t: t, handler: New(dumps.NewCatalog(s, d), opts)}
}

// readTestdata reads one of the dumps package's sample files.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "dumps", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// holmesDir makes a directory the way holmes fills one: two goroutine
// dumps with capture times in their names, one without, and one in a
// subdirectory.
func holmesDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for rel, sample := range map[string]string{
		"goroutine.20261121103015.123.log": "goroutine.20261121T211542Z.txt",
		"goroutine.20261121103045.456.log": "goroutine.20261121T211612Z.txt",
		"goroutine.pb.gz":                  "goroutine.go1.27.pb.gz",
		"old/cpu.20201028100641.bin":       "goroutine.go1.27.pb.gz",
	} {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, readTestdata(t, sample), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func ids(entries []dumps.Entry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

// call sends a request as user and decodes a JSON answer into out.
func (a *testAPI) call(user *backend.User, method, target string, body []byte, out any) int {
	a.t.Helper()
	req := httptest.NewRequestWithContext(backend.WithUser(context.Background(), user), method, target, bytes.NewReader(body))
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	if ct := rec.Header().Get("Content-Type"); rec.Code != http.StatusNoContent && ct != "application/json" {
		a.t.Fatalf("%s %s: content type %q, body %s", method, target, ct, rec.Body)
	}
	if out != nil && rec.Code != http.StatusNoContent {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, target, err, rec.Body)
		}
	}
	return rec.Code
}

type apiError struct {
	Error    string `json:"error"`
	Received *int64 `json:"received"`
}

// sendResource calls the handler the way the plugin does: through the
// SDK's httpadapter, with the user in the plugin context.
func sendResource(t *testing.T, h http.Handler, user *backend.User, method, path string, body []byte) (int, []byte) {
	t.Helper()
	var resp *backend.CallResourceResponse
	sender := backend.CallResourceResponseSenderFunc(func(r *backend.CallResourceResponse) error {
		if resp == nil {
			resp = r
		} else {
			resp.Body = append(resp.Body, r.Body...)
		}
		return nil
	})
	req := &backend.CallResourceRequest{
		PluginContext: backend.PluginContext{User: user},
		Path:          strings.TrimPrefix(strings.SplitN(path, "?", 2)[0], "/"),
		Method:        method,
		URL:           path,
		Body:          body,
	}
	if err := httpadapter.New(h).CallResource(context.Background(), req, sender); err != nil {
		t.Fatal(err)
	}
	return resp.Status, resp.Body
}

func TestChunkedUploadThroughCallResource(t *testing.T) {
	api := newTestAPI(t, dumps.StoreOptions{}, Options{ChunkSize: 4096})
	data := readTestdata(t, "goroutine_debug_2.go1.27.txt")

	status, body := sendResource(t, api.handler, editor, http.MethodPost, "/dumps/uploads",
		fmt.Appendf(nil, `{"name":"goroutine.20260121103015.123.txt","size":%d}`, len(data)))
	var begin struct {
		UploadID  string `json:"uploadId"`
		ChunkSize int64  `json:"chunkSize"`
	}
	if err := json.Unmarshal(body, &begin); status != http.StatusCreated || err != nil || begin.UploadID == "" || begin.ChunkSize != 4096 {
		t.Fatalf("begin: %d %s", status, body)
	}
	for offset := 0; offset < len(data); offset += int(begin.ChunkSize) {
		end := min(offset+int(begin.ChunkSize), len(data))
		path := fmt.Sprintf("/dumps/uploads/%s?offset=%d", begin.UploadID, offset)
		if status, body := sendResource(t, api.handler, editor, http.MethodPut, path, data[offset:end]); status != http.StatusOK {
			t.Fatalf("chunk at %d: %d %s", offset, status, body)
		}
	}
	status, body = sendResource(t, api.handler, editor, http.MethodPost, "/dumps/uploads/"+begin.UploadID+"/finish", nil)
	var e dumps.Entry
	if err := json.Unmarshal(body, &e); status != http.StatusCreated || err != nil {
		t.Fatalf("finish: %d %s", status, body)
	}
	if e.Uploader != "alice" || e.Format != "goroutine-text" || e.Size != int64(len(data)) ||
		!e.CapturedAt.Equal(time.Date(2026, 1, 21, 10, 30, 15, 123e6, time.UTC)) {
		t.Errorf("entry = %+v", e)
	}

	status, body = sendResource(t, api.handler, viewer, http.MethodGet, "/dumps?source=upload", nil)
	var list struct{ Dumps []dumps.Entry }
	if err := json.Unmarshal(body, &list); status != http.StatusOK || err != nil || len(list.Dumps) != 1 || list.Dumps[0].ID != e.ID {
		t.Fatalf("list: %d %s", status, body)
	}
	if status, body := sendResource(t, api.handler, viewer, http.MethodDelete, "/dumps/"+e.ID, nil); status != http.StatusForbidden {
		t.Fatalf("viewer delete: %d %s", status, body)
	}
	if status, body := sendResource(t, api.handler, editor, http.MethodDelete, "/dumps/"+e.ID, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", status, body)
	}
}

func TestSingleUploadEditAndDelete(t *testing.T) {
	api := newTestAPI(t, dumps.StoreOptions{}, Options{})
	data := readTestdata(t, "panic_all.go1.27.txt")
	var e dumps.Entry
	if code := api.call(editor, "POST", "/dumps?name=crash.txt", data, &e); code != http.StatusCreated || e.Format != "crash-text" {
		t.Fatalf("upload: %d %+v", code, e)
	}
	if code := api.call(editor, "POST", "/dumps?name=again.txt", data, &e); code != http.StatusOK || e.Name != "crash.txt" {
		t.Fatalf("identical upload: %d %+v", code, e)
	}
	var got dumps.Entry
	if code := api.call(viewer, "GET", "/dumps/"+e.ID, nil, &got); code != http.StatusOK || got.ID != e.ID {
		t.Fatalf("get: %d %+v", code, got)
	}
	if code := api.call(editor, "PATCH", "/dumps/"+e.ID, []byte(`{"capturedAt":"2026-11-20T03:04:05Z"}`), &got); code != http.StatusOK ||
		got.CapturedFrom != dumps.CapturedFromUser || !got.CapturedAt.Equal(time.Date(2026, 11, 20, 3, 4, 5, 0, time.UTC)) {
		t.Fatalf("patch: %d %+v", code, got)
	}
	if code := api.call(editor, "PATCH", "/dumps/"+e.ID, []byte(`{"capturedAt":null}`), &got); code != http.StatusOK || got.CapturedFrom != dumps.CapturedFromUpload {
		t.Fatalf("patch to reset: %d %+v", code, got)
	}
	if code := api.call(editor, "DELETE", "/dumps/"+e.ID, nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	var apiErr apiError
	if code := api.call(viewer, "GET", "/dumps/"+e.ID, nil, &apiErr); code != http.StatusNotFound || apiErr.Error == "" {
		t.Fatalf("get after delete: %d %+v", code, apiErr)
	}
}

func TestWritesNeedEditorOrAdmin(t *testing.T) {
	api := newTestAPI(t, dumps.StoreOptions{}, Options{})
	writes := []struct{ method, target string }{
		{"POST", "/dumps?name=x.txt"},
		{"POST", "/dumps/uploads"},
		{"PUT", "/dumps/uploads/abc?offset=0"},
		{"POST", "/dumps/uploads/abc/finish"},
		{"DELETE", "/dumps/uploads/abc"},
		{"PATCH", "/dumps/" + strings.Repeat("a", 64)},
		{"DELETE", "/dumps/" + strings.Repeat("a", 64)},
	}
	for _, user := range []*backend.User{nil, viewer, {Login: "x", Role: "None"}} {
		for _, w := range writes {
			var apiErr apiError
			if code := api.call(user, w.method, w.target, []byte("{}"), &apiErr); code != http.StatusForbidden ||
				!strings.Contains(apiErr.Error, "Editor or Admin") {
				t.Errorf("%+v %s %s: %d %+v", user, w.method, w.target, code, apiErr)
			}
		}
	}
	admin := &backend.User{Login: "root", Role: "Admin"}
	if code := api.call(admin, "POST", "/dumps?name=g.txt", readTestdata(t, "goroutine.20261121T211542Z.txt"), nil); code != http.StatusCreated {
		t.Errorf("admin upload: %d", code)
	}
	for _, target := range []string{"/dumps", "/dumps/sources", "/dumps/dir:holmes:goroutine.pb.gz"} {
		if code := api.call(nil, "GET", target, nil, nil); code != http.StatusOK {
			t.Errorf("read %s without a user: %d", target, code)
		}
	}
}

func TestHandlerErrors(t *testing.T) {
	api := newTestAPI(t, dumps.StoreOptions{MaxUploadBytes: 16 << 10, QuotaBytes: 8 << 10, Limits: dumpformat.Limits{MaxDecompressedBytes: 1 << 20}}, Options{MaxRequestBytes: 10 << 10})
	goroutines := readTestdata(t, "goroutine.20261121T211542Z.txt")
	cases := []struct {
		name, method, target string
		body                 []byte
		status               int
		message              string
	}{
		{"unknown format filter", "GET", "/dumps?format=nope", nil, 400, `unknown format "nope"`},
		{"bad time", "GET", "/dumps?from=yesterday", nil, 400, "from: want RFC 3339 or Unix milliseconds"},
		{"unknown id", "GET", "/dumps/" + strings.Repeat("a", 64), nil, 404, "not found"},
		{"no name", "POST", "/dumps", goroutines, 400, "name the file"},
		{"garbage", "POST", "/dumps?name=x.bin", []byte("\x00\x01garbage\xff"), 400, "unrecognised file: binary data"},
		{"html", "POST", "/dumps?name=x.html", []byte("<html><title>Grafana</title></html>"), 400, `an HTML page titled "Grafana"`},
		{"body over the request limit", "POST", "/dumps?name=x.txt", make([]byte, 12<<10), 413, "larger than 10 KiB; upload larger files in chunks"},
		{"gzip bomb", "POST", "/dumps?name=x.pb.gz", hostile.GzipOfZeros(8 << 20), 413, "decompressed size exceeds 1 MiB limit"},
		{"begin over the upload limit", "POST", "/dumps/uploads", []byte(`{"name":"x","size":100000}`), 413, "the upload limit is 16 KiB"},
		{"begin over the quota", "POST", "/dumps/uploads", []byte(`{"name":"x","size":9000}`), 507, "dump store is full: 0 B of 8 KiB used; delete dumps or raise the quota"},
		{"begin without size", "POST", "/dumps/uploads", []byte(`{"name":"x"}`), 400, "size must be positive"},
		{"begin with bad JSON", "POST", "/dumps/uploads", []byte(`{"name":`), 400, "request body"},
		{"unknown upload", "PUT", "/dumps/uploads/nope?offset=0", []byte("x"), 404, "not found"},
		{"chunk without offset", "PUT", "/dumps/uploads/nope", []byte("x"), 400, "offset"},
		{"patch a directory file", "PATCH", "/dumps/dir:holmes:goroutine.pb.gz", []byte(`{"capturedAt":null}`), 400, "read-only"},
		{"delete a directory file", "DELETE", "/dumps/dir:holmes:goroutine.pb.gz", nil, 400, "read-only"},
		{"method", "PUT", "/dumps", nil, 405, "PUT is not supported"},
		{"elsewhere", "GET", "/other", nil, 404, "no such resource"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var apiErr apiError
			code := api.call(editor, c.method, c.target, c.body, &apiErr)
			if code != c.status || !strings.Contains(apiErr.Error, c.message) {
				t.Errorf("%d %q, want %d and %q", code, apiErr.Error, c.status, c.message)
			}
		})
	}

	var e dumps.Entry
	if code := api.call(editor, "POST", "/dumps?name=g.txt", goroutines, &e); code != http.StatusCreated {
		t.Fatalf("upload: %d", code)
	}
	var apiErr apiError
	code := api.call(editor, "POST", "/dumps?name=h.txt", readTestdata(t, "goroutine.20261121T211612Z.txt"), &apiErr)
	if code != http.StatusInsufficientStorage || !strings.HasPrefix(apiErr.Error, "dump store is full: 5.7 KiB of 8 KiB used") {
		t.Errorf("quota: %d %+v", code, apiErr)
	}
	var u dumps.Upload
	if code := api.call(editor, "POST", "/dumps/uploads", []byte(`{"name":"s.txt","size":100}`), &u); code != http.StatusCreated {
		t.Fatalf("begin: %d", code)
	}
	apiErr = apiError{}
	if code := api.call(editor, "PUT", "/dumps/uploads/"+u.ID+"?offset=50", []byte("x"), &apiErr); code != http.StatusConflict ||
		apiErr.Received == nil || *apiErr.Received != 0 {
		t.Errorf("wrong offset: %d %+v", code, apiErr)
	}
}

func TestDirectoryIDsInURLs(t *testing.T) {
	api := newTestAPI(t, dumps.StoreOptions{}, Options{})
	id := "dir:holmes:old/cpu.20201028100641.bin"
	for _, target := range []string{"/dumps/" + id, "/dumps/" + url.PathEscape(id)} {
		var e dumps.Entry
		if code := api.call(viewer, "GET", target, nil, &e); code != http.StatusOK || e.ID != id {
			t.Errorf("GET %s: %d %+v", target, code, e)
		}
	}
	for _, target := range []string{
		"/dumps/dir:holmes:..%2F..%2Fetc%2Fpasswd",
		"/dumps/dir:holmes:%2Fetc%2Fpasswd",
		"/dumps/dir:holmes:old%2F..%2F..%2Fsecret",
	} {
		if code := api.call(viewer, "GET", target, nil, nil); code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", target, code)
		}
	}
	var list struct{ Dumps []dumps.Entry }
	to := time.Date(2026, 11, 21, 10, 30, 45, 456e6, time.UTC).UnixMilli()
	target := fmt.Sprintf("/dumps?source=dir:holmes&profile=goroutine&from=2026-11-21T10:30:00Z&to=%d", to)
	if code := api.call(viewer, "GET", target, nil, &list); code != http.StatusOK || len(list.Dumps) != 2 {
		t.Errorf("filtered list: %d %v", code, ids(list.Dumps))
	}
	var sources struct {
		Sources []dumps.Source
		Formats []formatInfo
		Usage   *dumps.Usage
	}
	if code := api.call(viewer, "GET", "/dumps/sources", nil, &sources); code != http.StatusOK || len(sources.Sources) != 2 ||
		sources.Usage == nil || sources.Usage.MaxUploadBytes != dumps.DefaultMaxUploadBytes || len(sources.Formats) != len(dumpformat.All()) {
		t.Errorf("sources: %d %+v", code, sources)
	}
}

// Grafana sends no body at all for an empty one, which the SDK's adapter
// turns into a request with a nil body: every route answers 400 in JSON
// and leaves no file behind.
func TestEmptyBodiesAreBadRequests(t *testing.T) {
	dir := t.TempDir()
	api := newTestAPI(t, dumps.StoreOptions{Dir: dir}, Options{})
	data := readTestdata(t, "goroutine_debug_2.go1.27.txt")
	stored := sendJSON[dumps.Entry](t, api, http.MethodPost, "/dumps?name=a.txt", data, http.StatusCreated)
	begun := sendJSON[struct{ UploadID string }](t, api, http.MethodPost, "/dumps/uploads",
		fmt.Appendf(nil, `{"name":"b.txt","size":%d}`, len(data)), http.StatusCreated)
	before := dirNames(t, dir)

	for _, c := range []struct{ method, path, message string }{
		{http.MethodPost, "/dumps?name=empty.txt", "the upload is empty"},
		{http.MethodPost, "/dumps/uploads", "the request body is empty"},
		{http.MethodPut, "/dumps/uploads/" + begun.UploadID + "?offset=0", "the chunk is empty"},
		{http.MethodPatch, "/dumps/" + stored.ID, "the request body is empty"},
	} {
		e := sendJSON[apiError](t, api, c.method, c.path, nil, http.StatusBadRequest)
		if !strings.HasPrefix(e.Error, c.message) {
			t.Errorf("%s %s: error %q, want %q", c.method, c.path, e.Error, c.message)
		}
	}
	if after := dirNames(t, dir); !slices.Equal(after, before) {
		t.Errorf("files %v, before the empty requests %v", after, before)
	}
}

// sendJSON sends a request through the SDK's adapter as an editor, checks
// the status and decodes the JSON answer.
func sendJSON[T any](t *testing.T, api *testAPI, method, path string, body []byte, status int) T {
	t.Helper()
	got, raw := sendResource(t, api.handler, editor, method, path, body)
	var out T
	if err := json.Unmarshal(raw, &out); got != status || err != nil {
		t.Fatalf("%s %s: %d %s (%v), want %d", method, path, got, raw, err, status)
	}
	return out
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	return names
}
