package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

func callResource(t *testing.T, d *Datasource, method, path string, body []byte, role string) (int, []byte) {
	t.Helper()
	u, _ := url.Parse(path)
	var s recordingSender
	req := &backend.CallResourceRequest{
		Method: method, Path: u.Path, URL: path, Body: body,
		PluginContext: backend.PluginContext{User: &backend.User{Login: "alice", Role: role}},
	}
	if err := d.CallResource(context.Background(), req, &s); err != nil {
		t.Fatal(err)
	}
	return s.resp.Status, s.resp.Body
}

type dumpEntry struct {
	ID, Name, Format, Source, Uploader, Error string
	CapturedAt                                time.Time
	CapturedFrom                              string
	SnapshotCount                             int
	Snapshots                                 []struct {
		Index      int
		LoggedAt   time.Time
		Kind       string
		Detail     string
		Goroutines int
	}
}

func upload(t *testing.T, d *Datasource, name string, content []byte) dumpEntry {
	t.Helper()
	status, body := callResource(t, d, "POST", "dumps?name="+url.QueryEscape(name), content, "Editor")
	if status != 201 && status != 200 {
		t.Fatalf("upload %s: %d %s", name, status, body)
	}
	var e dumpEntry
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestQueryUploadedDump(t *testing.T) {
	d := newInstance(t, `{}`)
	e := upload(t, d, "incident.txt", readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz"))
	if e.Format != "goroutine-text" || e.Uploader != "alice" {
		t.Errorf("entry = %+v", e)
	}
	r := runQuery(t, d, fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q}`, e.ID))
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	got := numbers(t, r.Frames)
	if got["goroutines{category=all, dump=incident.txt, source=upload}"] != 2345 {
		t.Errorf("numbers = %v", got)
	}
}

func TestViewersCannotUpload(t *testing.T) {
	d := newInstance(t, `{}`)
	status, body := callResource(t, d, "POST", "dumps?name=x.txt", []byte("goroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n"), "Viewer")
	if status != 403 {
		t.Errorf("viewer upload: %d %s", status, body)
	}
}

// scenarioDirectory is a dump directory "holmes" with the Go 1.19
// scenario's debug=1 summary at 21:15:42 and its full dump at 21:20:43.
func scenarioDirectory(t *testing.T) *Datasource {
	t.Helper()
	dir := t.TempDir()
	series := "../goroutines/testdata/corpus/go1.19-scenario-x3/"
	for name, src := range map[string]string{
		"goroutine.20261121T211542Z.txt": series + "goroutine.debug1.txt",
		"goroutine.20261121T212043Z.txt": series + "goroutine.debug2.txt.gz",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), readMaybeGzip(t, src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return newInstance(t, fmt.Sprintf(`{"dumpDirectories":[{"name":"holmes","path":%q}]}`, dir))
}

var scenarioDay = backend.TimeRange{From: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}

func TestQueryLatestDumpOfDirectory(t *testing.T) {
	d := scenarioDirectory(t)
	r := runQueryRange(t, d, `{"queryType":"goroutines","view":"states","dumpSource":"dir:holmes"}`, scenarioDay)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	if f.Rows() == 0 || !strings.Contains(f.Name, "goroutine.20261121T212043Z.txt") {
		t.Errorf("frame %q with %d rows; want the latest (debug=2) snapshot's states", f.Name, f.Rows())
	}
}

func TestQueryMissingDump(t *testing.T) {
	d := newInstance(t, `{}`)
	r := runQuery(t, d, `{"queryType":"goroutines","dump":"0000"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), `no stored dump has id "0000"`) {
		t.Errorf("error = %v", r.Error)
	}
}

// The Go 1.19 scenario's series: a debug=1 goroutine profile, a heap
// profile and the index page, written together every 30 s.
func TestDumpHistoryFromDirectory(t *testing.T) {
	d := newInstance(t, `{"dumpDirectories":[{"name":"scenario","path":"`+absPath(t, "testdata/series")+`"}]}`)
	day := backend.TimeRange{From: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	r := runQueryRange(t, d, `{"queryType":"dumps","view":"history","dumpSource":"dir:scenario"}`, day)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	series := map[string][]float64{}
	for _, f := range r.Frames {
		v := f.Fields[1]
		var vals []float64
		for i := range v.Len() {
			vals = append(vals, v.At(i).(float64))
		}
		series[v.Name+"{"+v.Labels.String()+"}"] = vals
	}
	want := map[string][]float64{
		"goroutines{category=all, source=dir:scenario}": {246, 1268, 2345},
		"threads{source=dir:scenario}":                  {8, 8, 198},
		"heap_inuse_bytes{source=dir:scenario}":         {1318912, 2187264, 318152704},
	}
	for k, w := range want {
		if fmt.Sprint(series[k]) != fmt.Sprint(w) {
			t.Errorf("%s = %v; want %v (all: %v)", k, series[k], w, series)
		}
	}

	r = runQueryRange(t, d, `{"queryType":"dumps","view":"annotations","dumpSource":"dir:scenario"}`, day)
	if r.Error != nil || r.Frames[0].Rows() != 9 {
		t.Errorf("annotations: %v, %d rows", r.Error, r.Frames[0].Rows())
	}
	r = runQuery(t, d, `{"queryType":"dumps","view":"list"}`)
	if r.Error != nil || r.Frames[0].Rows() != 9 {
		t.Errorf("list: %v, %d rows", r.Error, r.Frames[0].Rows())
	}
}

func absPath(t *testing.T, rel string) string {
	p, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
