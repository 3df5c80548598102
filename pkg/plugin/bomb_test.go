package plugin

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// gzipBomb is a small gzip stream that expands past the 512 MiB limit.
func gzipBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 513 {
		zw.Write(zeros)
	}
	zw.Close()
	return buf.Bytes()
}

func TestTargetServingAGzipBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("expands 512 MiB")
	}
	bomb := gzipBomb(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bomb)
	}))
	defer srv.Close()
	d := newInstance(t, fmt.Sprintf(`{"targets":[{"name":"bomb","url":%q}]}`, srv.URL+"/debug/pprof"))
	r := runQuery(t, d, `{"queryType":"profile","target":"bomb","profile":{"profileType":"heap"}}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "decompressed size exceeds 512 MiB limit") {
		t.Errorf("error = %v", r.Error)
	}
}
