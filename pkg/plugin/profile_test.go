package plugin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/frames"
)

const profilesDir = "../profiles/testdata/"

// profileTarget serves real captured profiles under their net/http/pprof
// paths, recording the CPU profile's seconds parameter.
func profileTarget(t *testing.T, cpuSeconds *string) string {
	t.Helper()
	files := map[string]string{
		"/debug/pprof/heap":      "heap.pb.gz",
		"/debug/pprof/goroutine": "goroutine.pb.gz",
		"/debug/pprof/profile":   "cpu.pb.gz",
		"/debug/pprof/mutex":     "mutex.pb.gz",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := files[r.URL.Path]
		if !ok {
			http.Error(w, "Unknown profile", http.StatusNotFound)
			return
		}
		if r.URL.Path == "/debug/pprof/profile" && cpuSeconds != nil {
			*cpuSeconds = r.URL.Query().Get("seconds")
		}
		w.Write(readFile(t, profilesDir+name))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/debug/pprof"
}

func profileInstance(t *testing.T, cpuSeconds *string) *Datasource {
	return newInstance(t, fmt.Sprintf(`{"maxProfileSeconds":20,"targets":[{"name":"svc","url":%q}]}`, profileTarget(t, cpuSeconds)))
}

func TestProfileFlameGraph(t *testing.T) {
	d := profileInstance(t, nil)
	r := runQuery(t, d, `{"queryType":"profile","target":"svc","profile":{"profileType":"heap"}}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if len(r.Frames) != 1 {
		t.Fatalf("%d frames", len(r.Frames))
	}
	f := r.Frames[0]
	if err := frames.CheckFlameGraph(f); err != nil {
		t.Fatal(err)
	}
	if f.Meta.PreferredVisualization != data.VisTypeFlameGraph {
		t.Errorf("visualisation = %q", f.Meta.PreferredVisualization)
	}
	value := fieldByName(t, f, "value")
	if value.Config == nil || value.Config.Unit != "bytes" {
		t.Errorf("heap's default sample type (inuse_space) must be in bytes: %+v", value.Config)
	}
}

// A flame graph of several targets is one frame per target, and the first
// says that Grafana's panel draws it alone.
func TestFlameGraphsOfSeveralTargetsSaySo(t *testing.T) {
	url := profileTarget(t, nil)
	d := newInstance(t, fmt.Sprintf(`{"targets":[{"name":"a","url":%q},{"name":"b","url":%q}]}`, url, url))
	r := runQuery(t, d, `{"queryType":"profile","target":"*","profile":{"profileType":"heap"}}`)
	if r.Error != nil || len(r.Frames) != 2 {
		t.Fatalf("%d frames, error %v", len(r.Frames), r.Error)
	}
	if n := noticeTexts(r.Frames); len(n) != 1 || !strings.Contains(n[0], "draws the first only (a)") {
		t.Errorf("notices %q", n)
	}
	one := runQuery(t, d, `{"queryType":"profile","target":"b","profile":{"profileType":"heap"}}`)
	if n := noticeTexts(one.Frames); len(n) != 0 {
		t.Errorf("one target: notices %q", n)
	}
}

func TestProfileTopAndCPUSeconds(t *testing.T) {
	var seconds string
	d := profileInstance(t, &seconds)
	r := runQuery(t, d, `{"queryType":"profile","view":"top","target":"svc","profile":{"profileType":"cpu","seconds":3}}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if seconds != "3" {
		t.Errorf("the CPU profile was asked for %q seconds; want 3", seconds)
	}
	if r.Frames[0].Rows() == 0 {
		t.Error("empty top table")
	}
	r = runQuery(t, d, `{"queryType":"profile","target":"svc","profile":{"profileType":"cpu","seconds":60}}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "longer than the 20 s this data source allows") {
		t.Errorf("error = %v", r.Error)
	}
}

func TestProfileDiffAgainstUploadedBaseline(t *testing.T) {
	d := profileInstance(t, nil)
	base := upload(t, d, "goroutine-before.pb.gz", readFile(t, profilesDir+"goroutine.pb.gz"))
	r := runQuery(t, d, fmt.Sprintf(`{"queryType":"profile","target":"svc","profile":{"profileType":"goroutine","baseline":{"dump":%q}}}`, base.ID))
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	if err := frames.CheckFlameGraph(f); err != nil {
		t.Fatal(err)
	}
	left, right := fieldByName(t, f, "value"), fieldByName(t, f, "valueRight")
	if left.At(0) != right.At(0) {
		t.Errorf("the same profile on both sides must have equal totals: %v vs %v", left.At(0), right.At(0))
	}
}

func TestProfileErrors(t *testing.T) {
	d := profileInstance(t, nil)
	cases := map[string]string{
		`{"queryType":"profile","target":"svc","profile":{"profileType":"gpu"}}`:           `unknown profileType "gpu"`,
		`{"queryType":"profile","target":"svc","profile":{"profileType":"goroutineleak"}}`: "Go 1.26 and later",
		`{"queryType":"profile","target":"svc","view":"labels"}`:                           "set groupBy",
		`{"queryType":"profile","target":"svc","profile":{"focus":"("}}`:                   "invalid focus regular expression",
	}
	for js, want := range cases {
		r := runQuery(t, d, js)
		if r.Error == nil || !strings.Contains(r.Error.Error(), want) {
			t.Errorf("%s: error = %v; want %q", js, r.Error, want)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProfileNodeLimitFromSettings(t *testing.T) {
	d := newInstance(t, `{"maxProfileNodes":500}`)
	e := upload(t, d, "cpu-large.pb.gz", readFile(t, profilesDir+"cpu-large.pb.gz"))
	for _, js := range []string{
		fmt.Sprintf(`{"queryType":"profile","dump":%q}`, e.ID),
		fmt.Sprintf(`{"queryType":"profile","dump":%q,"profile":{"maxNodes":100000}}`, e.ID),
	} {
		r := runQuery(t, d, js)
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		f := r.Frames[0]
		if err := frames.CheckFlameGraph(f); err != nil {
			t.Fatal(err)
		}
		if f.Rows() > 500 || len(f.Meta.Notices) == 0 {
			t.Errorf("%s: %d nodes, notices %v; want at most 500 and a notice that the limit applied", js, f.Rows(), f.Meta.Notices)
		}
	}
}

// TestProfileTopLikeGoToolPprof: a top table of a real CPU profile has the
// rows `go tool pprof -top` prints for it (its report is the golden file),
// says how many it left out, and lists them all with nodeFraction 0.
func TestProfileTopLikeGoToolPprof(t *testing.T) {
	golden := string(readFile(t, profilesDir+"golden/cpu-large.top"))
	var pprofRows, pprofDropped int
	inTable := false
	for _, line := range strings.Split(strings.TrimSpace(golden), "\n") {
		switch {
		case strings.HasPrefix(line, "Dropped "):
			fmt.Sscanf(line, "Dropped %d nodes", &pprofDropped)
		case strings.Contains(line, "flat  flat%"):
			inTable = true
		case inTable:
			pprofRows++
		}
	}
	if pprofRows == 0 || pprofDropped == 0 {
		t.Fatalf("golden report not understood: %d rows, %d dropped", pprofRows, pprofDropped)
	}

	d := newInstance(t, `{}`)
	e := upload(t, d, "cpu-large.pb.gz", readFile(t, profilesDir+"cpu-large.pb.gz"))
	r := runQuery(t, d, fmt.Sprintf(`{"queryType":"profile","view":"top","dump":%q}`, e.ID))
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	custom := f.Meta.Custom.(map[string]any)
	if f.Rows() != pprofRows || custom["droppedNodes"] != pprofDropped || len(f.Meta.Notices) != 1 {
		t.Errorf("%d rows, %v dropped, notices %v; go tool pprof -top shows %d rows and drops %d", f.Rows(), custom["droppedNodes"], f.Meta.Notices, pprofRows, pprofDropped)
	}

	r = runQuery(t, d, fmt.Sprintf(`{"queryType":"profile","view":"top","dump":%q,"profile":{"nodeFraction":0}}`, e.ID))
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	if f := r.Frames[0]; f.Rows() != pprofRows+pprofDropped || len(f.Meta.Notices) != 0 {
		t.Errorf("with nodeFraction 0: %d rows, notices %v; want all %d", f.Rows(), f.Meta.Notices, pprofRows+pprofDropped)
	}

	r = runQuery(t, d, fmt.Sprintf(`{"queryType":"profile","view":"top","dump":%q,"profile":{"nodeFraction":1.5}}`, e.ID))
	if r.Error == nil || !strings.Contains(r.Error.Error(), "node fraction must be in [0, 1)") {
		t.Errorf("error = %v", r.Error)
	}
}
