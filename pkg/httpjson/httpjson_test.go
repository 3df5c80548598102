package httpjson

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRoutesAnswerJSON(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			Error(w, http.StatusBadRequest, err.Error())
			return
		}
		Write(w, http.StatusOK, map[string]int{"bytes": len(body)})
	})
	h := Routes(mux)
	cases := []struct {
		method, path string
		status       int
		want         string
	}{
		{"POST", "/echo", 200, `{"bytes":0}`},
		{"GET", "/echo", 405, `{"error":"GET is not supported on /echo"}`},
		{"GET", "/nowhere", 404, `{"error":"no such resource: /nowhere"}`},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.path, nil)
		req.Body = nil // as the plugin SDK's adapter leaves an empty body
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var got, want any
		json.Unmarshal(rec.Body.Bytes(), &got)
		json.Unmarshal([]byte(c.want), &want)
		if rec.Code != c.status || rec.Header().Get("Content-Type") != "application/json" || !equalJSON(got, want) {
			t.Errorf("%s %s: %d %q %s", c.method, c.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
