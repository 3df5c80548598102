package plugin

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

const scenario = "../goroutines/testdata/corpus/go1.19-scenario-x3/"

func readMaybeGzip(t *testing.T, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, ".gz") {
		return raw
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// scenarioTarget serves the real captures of the Go 1.19 scenario process
// (2345 goroutines) as net/http/pprof would, counting full dumps.
func scenarioTarget(t *testing.T, fullDumps *atomic.Int32) string {
	t.Helper()
	index := readMaybeGzip(t, "../indexpage/testdata/go1.19.html")
	debug2 := readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")
	debug1 := readMaybeGzip(t, scenario+"goroutine.debug1.txt")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/debug/pprof/":
			w.Write(index)
		case r.URL.Path == "/debug/pprof/goroutine" && r.URL.Query().Get("debug") == "2":
			if fullDumps != nil {
				fullDumps.Add(1)
			}
			w.Write(debug2)
		case r.URL.Path == "/debug/pprof/goroutine" && r.URL.Query().Get("debug") == "1":
			w.Write(debug1)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/debug/pprof"
}

// scenarioInstance has one target serving the scenario's dumps. The
// recorder takes no full dumps of its own, so that what tests count and
// parse is what their queries did.
func scenarioInstance(t *testing.T, extra string) (*Datasource, *atomic.Int32) {
	var fullDumps atomic.Int32
	d := newInstance(t, fmt.Sprintf(`{"fullDumpsDisabled":true,%s"targets":[{"name":"scenario","url":%q,"labels":{"env":"lab"}}]}`, extra, scenarioTarget(t, &fullDumps)))
	return d, &fullDumps
}

func TestGoroutineCountFromFullDump(t *testing.T) {
	d, fullDumps := scenarioInstance(t, "")
	r := runQuery(t, d, `{"queryType":"goroutines","view":"count","target":"scenario","perCategory":true}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	got := numbers(t, r.Frames)
	// The scenario's README: 2345 goroutines, 1007 behind locks (900 + 2 +
	// 105), 601 on channels, 192 in syscalls, 60 asleep.
	want := map[string]float64{
		"goroutines{category=all, env=lab, target=scenario}":     2345,
		"goroutines{category=lock, env=lab, target=scenario}":    1007,
		"goroutines{category=channel, env=lab, target=scenario}": 601,
		"goroutines{category=syscall, env=lab, target=scenario}": 192,
		"goroutines{category=sleep, env=lab, target=scenario}":   60,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v; want %v", k, got[k], v)
		}
	}
	if fullDumps.Load() != 1 {
		t.Errorf("%d full dumps fetched; want 1", fullDumps.Load())
	}
}

func TestGoroutineGroupsTable(t *testing.T) {
	d, _ := scenarioInstance(t, "")
	r := runQuery(t, d, `{"queryType":"goroutines","view":"groups","target":"scenario","filter":{"include":"main\\."}}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	stack := fieldByName(t, f, "Stack")
	count := fieldByName(t, f, "Goroutines")
	first := stack.At(0).(string)
	if !strings.Contains(first, "main.blockedOnMutex.func1") || !strings.Contains(first, "\n") {
		t.Errorf("first group's stack = %q; want the 900 goroutines blocked on the mutex, one frame a line", first)
	}
	if n := asFloat(count.At(0)); n != 900 {
		t.Errorf("first group has %v goroutines; want 900", n)
	}
}

func TestGoroutinesFallBackToSummaryAboveLimit(t *testing.T) {
	d, fullDumps := scenarioInstance(t, `"maxFullDumpGoroutines":1000,`)
	r := runQuery(t, d, `{"queryType":"goroutines","view":"count","target":"scenario"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if got := numbers(t, r.Frames)["goroutines{category=all, env=lab, target=scenario}"]; got != 2345 {
		t.Errorf("total = %v", got)
	}
	if fullDumps.Load() != 0 {
		t.Error("a full dump was fetched above the limit")
	}
	var texts []string
	for _, n := range r.Frames[0].Meta.Notices {
		texts = append(texts, n.Text)
	}
	if !strings.Contains(strings.Join(texts, "\n"), "2345 goroutines is above the 1000 allowed for a full dump") {
		t.Errorf("notices = %q", texts)
	}
}

func TestGoroutinesTargetDown(t *testing.T) {
	d := newInstance(t, fmt.Sprintf(`{"targets":[{"name":"down","url":%q}]}`, closedAddress(t)))
	r := runQuery(t, d, `{"queryType":"goroutines","view":"groups"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), `target "down": connection refused`) {
		t.Errorf("error = %v", r.Error)
	}
}

func TestGoroutinesGarbageFromTarget(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/debug/pprof/" {
			w.Write(readMaybeGzip(t, "../indexpage/testdata/go1.27.html"))
			return
		}
		w.Write([]byte("<html><body>maintenance</body></html>"))
	}))
	defer srv.Close()
	d := newInstance(t, fmt.Sprintf(`{"targets":[{"name":"odd","url":%q}]}`, srv.URL+"/debug/pprof"))
	r := runQuery(t, d, `{"queryType":"goroutines","view":"groups"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "odd:") {
		t.Errorf("error = %v", r.Error)
	}
}

func fieldByName(t *testing.T, f *data.Frame, name string) *data.Field {
	t.Helper()
	fld, i := f.FieldByName(name)
	if i < 0 {
		var names []string
		for _, x := range f.Fields {
			names = append(names, x.Name)
		}
		t.Fatalf("frame %q has no field %q (fields: %v)", f.Name, name, names)
	}
	return fld
}

func asFloat(v any) float64 {
	switch n := v.(type) {
	case int64:
		return float64(n)
	case float64:
		return n
	case int:
		return float64(n)
	case *int64:
		return float64(*n)
	}
	return -1
}
