package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// pprofServer serves a real captured index page under /debug/pprof/.
func pprofServer(t *testing.T, page string) string {
	t.Helper()
	body, err := os.ReadFile("../indexpage/testdata/" + page)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debug/pprof/" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/debug/pprof"
}

func closedAddress(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String() + "/debug/pprof"
}

func newInstance(t *testing.T, jsonData string) *Datasource {
	t.Helper()
	jsonData = withStoreDir(t, jsonData)
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{
		UID: "test", Name: "Go pprof", Type: "goscope-pprof-datasource", JSONData: []byte(jsonData)})
	if err != nil {
		t.Fatal(err)
	}
	d := inst.(*Datasource)
	t.Cleanup(d.Dispose)
	return d
}

func twoTargets(t *testing.T) *Datasource {
	return newInstance(t, fmt.Sprintf(`{"targets":[
		{"name":"old","url":%q,"labels":{"env":"lab"}},
		{"name":"new","url":%q}]}`, pprofServer(t, "go1.19.html"), pprofServer(t, "go1.27.html")))
}

func runQuery(t *testing.T, d *Datasource, js string) backend.DataResponse {
	t.Helper()
	return runQueryRange(t, d, js, backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
}

func runQueryRange(t *testing.T, d *Datasource, js string, tr backend.TimeRange) backend.DataResponse {
	t.Helper()
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{
		Queries: []backend.DataQuery{{RefID: "A", JSON: []byte(js), TimeRange: tr}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Responses["A"]
}

// numbers flattens numeric-multi frames into "name{labels}" → value.
func numbers(t *testing.T, frames data.Frames) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, f := range frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeNumericMulti || len(f.Fields) != 1 || f.Rows() != 1 {
			t.Fatalf("frame %q is not numeric-multi with one field and one row", f.Name)
		}
		fld := f.Fields[0]
		out[fld.Name+"{"+fld.Labels.String()+"}"] = fld.At(0).(float64)
	}
	return out
}

func TestMetricsQuery(t *testing.T) {
	d := twoTargets(t)
	r := runQuery(t, d, `{"queryType":"metrics","target":"*"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	got := numbers(t, r.Frames)
	want := map[string]float64{
		`goroutines{env=lab, target=old}`: 2345,
		`threads{env=lab, target=old}`:    198,
		`up{env=lab, target=old}`:         1,
		`goroutines{target=new}`:          18,
		`threads{target=new}`:             7,
		`up{target=new}`:                  1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v; want %v (all: %v)", k, got[k], v, got)
		}
	}
}

func TestMetricsQueryWithOneTargetDown(t *testing.T) {
	d := newInstance(t, fmt.Sprintf(`{"targets":[{"name":"up","url":%q},{"name":"down","url":%q}]}`,
		pprofServer(t, "go1.27.html"), closedAddress(t)))
	r := runQuery(t, d, `{"queryType":"metrics","target":"(up|down)"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	got := numbers(t, r.Frames)
	if got["up{target=down}"] != 0 || got["up{target=up}"] != 1 || got["goroutines{target=up}"] != 18 {
		t.Errorf("numbers = %v", got)
	}
	var down []string
	for _, n := range r.Frames[0].Meta.Notices {
		if strings.Contains(n.Text, `target "down"`) {
			down = append(down, n.Text)
		}
	}
	if len(down) != 1 || !strings.Contains(down[0], `target "down": connection refused`) {
		t.Errorf("notices on the target that is down = %q", down)
	}
}

func TestMetricsQueryAllTargetsDown(t *testing.T) {
	d := newInstance(t, fmt.Sprintf(`{"targets":[{"name":"down","url":%q}]}`, closedAddress(t)))
	r := runQuery(t, d, `{"queryType":"metrics","target":"down"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "connection refused") {
		t.Errorf("error = %v", r.Error)
	}
}

func TestQueryErrors(t *testing.T) {
	d := twoTargets(t)
	cases := map[string]string{
		`{"queryType":"metrics","target":"http://169.254.169.254/"}`:  "cannot carry a URL",
		`{"queryType":"metrics","url":"http://10.0.0.1/debug/pprof"}`: "cannot carry addresses",
		`{"queryType":"nope"}`:                       `unknown queryType "nope"`,
		`{"queryType":"metrics","target":"missing"}`: `no configured target matches "missing"`,
		`not json`: "not a JSON object",
	}
	for js, want := range cases {
		r := runQuery(t, d, js)
		if r.Error == nil || !strings.Contains(r.Error.Error(), want) {
			t.Errorf("%s: error = %v; want %q", js, r.Error, want)
		}
		if r.Status != backend.StatusBadRequest {
			t.Errorf("%s: status = %d; want 400", js, r.Status)
		}
	}
}

func TestInvalidSettingsAreReported(t *testing.T) {
	d := newInstance(t, `{"targets":[{"name":"a","url":"ftp://x"}]}`)
	res, err := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "must start with http:// or https://") {
		t.Errorf("health = %+v", res)
	}
	r := runQuery(t, d, `{"queryType":"metrics"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "settings are invalid") {
		t.Errorf("query error = %v", r.Error)
	}
}

func TestCheckHealth(t *testing.T) {
	res, err := twoTargets(t).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != backend.HealthStatusOk {
		t.Fatalf("health = %+v", res)
	}
	for _, want := range []string{`"old": 2345 goroutines, 198 threads created`, `"new": 18 goroutines, 7 threads created`, "goroutineleak"} {
		if !strings.Contains(res.Message, want) {
			t.Errorf("message %q lacks %q", res.Message, want)
		}
	}
	var details struct{ Targets []TargetHealth }
	if err := json.Unmarshal(res.JSONDetails, &details); err != nil || len(details.Targets) != 2 || *details.Targets[0].Goroutines != 2345 {
		t.Errorf("details = %s (%v)", res.JSONDetails, err)
	}
}

func TestCheckHealthNamesFailingTargets(t *testing.T) {
	notPprof := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html><title>Grafana</title></html>"))
	}))
	defer notPprof.Close()
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	d := newInstance(t, fmt.Sprintf(`{"targets":[{"name":"ok","url":%q},{"name":"web","url":%q},{"name":"404","url":%q},{"name":"off","url":%q}]}`,
		pprofServer(t, "go1.27.html"), notPprof.URL, missing.URL+"/debug/pprof", closedAddress(t)))
	res, _ := d.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if res.Status != backend.HealthStatusError {
		t.Errorf("status = %v", res.Status)
	}
	for _, want := range []string{"3 of 4 targets failed", `target "web": not a pprof index page: the page's title is "Grafana"`,
		`target "404": HTTP 404 Not Found`, `target "off": connection refused`, `"ok": 18 goroutines`} {
		if !strings.Contains(res.Message, want) {
			t.Errorf("message %q lacks %q", res.Message, want)
		}
	}
}

func TestCheckHealthWithoutTargets(t *testing.T) {
	res, _ := newInstance(t, `{}`).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "No targets are configured") {
		t.Errorf("health = %+v", res)
	}
}

type recordingSender struct{ resp *backend.CallResourceResponse }

func (s *recordingSender) Send(r *backend.CallResourceResponse) error { s.resp = r; return nil }

func TestTargetsResourceHidesURLs(t *testing.T) {
	d := twoTargets(t)
	var s recordingSender
	if err := d.CallResource(context.Background(), &backend.CallResourceRequest{Method: "GET", Path: "targets", URL: "targets"}, &s); err != nil {
		t.Fatal(err)
	}
	if s.resp.Status != 200 {
		t.Fatalf("status %d: %s", s.resp.Status, s.resp.Body)
	}
	body := string(s.resp.Body)
	if body != `[{"name":"old","labels":{"env":"lab"}},{"name":"new"}]`+"\n" {
		t.Errorf("body = %s", body)
	}
	if strings.Contains(body, "127.0.0.1") {
		t.Error("the resource leaks target addresses")
	}
}

// metricsTarget serves a real pprof index page and a real Prometheus page.
func metricsTarget(t *testing.T) string {
	t.Helper()
	index, err := os.ReadFile("../indexpage/testdata/go1.27.html")
	if err != nil {
		t.Fatal(err)
	}
	metrics, err := os.ReadFile("../processmetrics/testdata/client_golang_v1.24.1.txt")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", func(w http.ResponseWriter, r *http.Request) { w.Write(index) })
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) { w.Write(metrics) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return fmt.Sprintf(`{"targets":[{"name":"svc","url":%q,"metricsUrl":%q}]}`, srv.URL+"/debug/pprof", srv.URL+"/metrics")
}

func TestMetricsQueryReadsPrometheusPage(t *testing.T) {
	d := newInstance(t, metricsTarget(t))
	got := numbers(t, runQuery(t, d, `{"queryType":"metrics","target":"svc"}`).Frames)
	want := map[string]float64{"up{target=svc}": 1, "goroutines{target=svc}": 18, "threads{target=svc}": 7,
		"rss_bytes{target=svc}": 8462336, "heap_inuse_bytes{target=svc}": 1261568, "os_threads{target=svc}": 6,
		"heap_idle_bytes{target=svc}": 2605056, "stack_inuse_bytes{target=svc}": 327680}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v; want %v", k, got[k], v)
		}
	}
}

func TestMetricsQueryOneMetric(t *testing.T) {
	d := twoTargets(t)
	got := numbers(t, runQuery(t, d, `{"queryType":"metrics","target":"*","metric":"goroutines"}`).Frames)
	if len(got) != 2 || got["goroutines{env=lab, target=old}"] != 2345 {
		t.Errorf("got %v", got)
	}
	r := runQuery(t, d, `{"queryType":"metrics","metric":"cpu"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), `unknown metric "cpu"; use one of`) {
		t.Errorf("error = %v", r.Error)
	}
}

func TestMetricsSeriesFromRecorder(t *testing.T) {
	d := newInstance(t, metricsTarget(t))
	deadline := time.Now().Add(10 * time.Second)
	for !recorded(d, "svc", "rss_bytes") {
		if time.Now().After(deadline) {
			t.Fatal("the recorder took no sample")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := runQuery(t, d, `{"queryType":"metrics","view":"series","target":"svc","metric":"rss_bytes"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if len(r.Frames) != 1 {
		t.Fatalf("%d frames", len(r.Frames))
	}
	f := r.Frames[0]
	if f.Meta.Type != data.FrameTypeTimeSeriesMulti || f.Fields[0].Type() != data.FieldTypeTime || f.Fields[1].Labels["target"] != "svc" {
		t.Errorf("frame is not a labelled time series: %+v", f)
	}
	if v := f.Fields[1].At(0).(float64); v != 8462336 || f.Fields[1].Config.Unit != "bytes" {
		t.Errorf("rss = %v %s", v, f.Fields[1].Config.Unit)
	}
	if n := f.Meta.Notices; len(n) != 1 || !strings.Contains(n[0].Text, "history starts at") {
		t.Errorf("notices = %+v", n)
	}
}

// recorded reports whether the recorder has stored a figure of a target.
func recorded(d *Datasource, target, figure string) bool {
	samples, _ := d.evidence.samples.Range(target, time.Time{}, time.Now().Add(time.Hour))
	for _, s := range samples {
		if _, ok := s.Values[figure]; ok {
			return true
		}
	}
	return false
}

func TestMetricsSeriesWhenRecordingDisabled(t *testing.T) {
	d := newInstance(t, fmt.Sprintf(`{"recordDisabled":true,"targets":[{"name":"a","url":%q}]}`, pprofServer(t, "go1.27.html")))
	r := runQuery(t, d, `{"queryType":"metrics","view":"series"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "recording is disabled") {
		t.Errorf("error = %v", r.Error)
	}
}

// withStoreDir keeps each test's uploads and history in temporary
// directories of its own.
func withStoreDir(t *testing.T, jsonData string) string {
	var m map[string]any
	if json.Unmarshal([]byte(jsonData), &m) != nil {
		return jsonData
	}
	if _, ok := m["dumpStoreDir"]; !ok {
		m["dumpStoreDir"] = t.TempDir()
	}
	if _, ok := m["historyDir"]; !ok {
		m["historyDir"] = t.TempDir()
	}
	b, _ := json.Marshal(m)
	return string(b)
}
