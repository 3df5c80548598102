package plugin

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/internal/hostile"
)

// The catalogue of hostile inputs, through the queries a viewer runs and
// the uploads and directories an editor fills. The sizes are scaled down
// from those that killed the plugin (a 4 MiB decompression limit for
// 512 MiB, a million frames for 16 million); the shapes are the same.

// hostileLimits are the data source settings the catalogue runs under.
const hostileLimits = `"maxDecompressedMiB":4,"maxStackFrames":1000000`

// hostileTargets serves one hostile body per target, the first path
// element naming it, and a real heap profile as target "good".
func hostileTargets(t *testing.T) string {
	t.Helper()
	bodies := map[string][]byte{
		"bomb":   hostile.GzipOfZeros(64 << 20),
		"nested": hostile.NestedGzipBomb(64 << 20),
		"deep":   hostile.DeepCPUProfile(2, 400_000),
		"wide":   hostile.DeepCPUProfile(1, 3_000_000),
		"good":   readFile(t, profilesDir+"heap.pb.gz"),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		w.Write(bodies[name])
	}))
	t.Cleanup(srv.Close)
	var ts []string
	for name := range bodies {
		ts = append(ts, fmt.Sprintf(`{"name":%q,"url":%q}`, name, srv.URL+"/"+name+"/debug/pprof"))
	}
	return `"targets":[` + strings.Join(ts, ",") + `]`
}

func TestHostileTargets(t *testing.T) {
	d := newInstance(t, "{"+hostileTargets(t)+","+hostileLimits+"}")
	query := func(target string) backend.DataResponse {
		return runQuery(t, d, fmt.Sprintf(`{"queryType":"profile","target":%q,"view":"flamegraph","profile":{"profileType":"cpu","seconds":1}}`, target))
	}
	for _, c := range []struct{ target, want string }{
		{"bomb", "decompressed size exceeds 4 MiB limit (the bound set by maxDecompressedMiB)"},
		{"nested", "gzip inside gzip"},
		{"wide", "more than 1000000 stack frames (the bound set by maxStackFrames)"},
	} {
		t.Run(c.target, func(t *testing.T) {
			var r backend.DataResponse
			used := hostile.Allocated(func() { r = query(c.target) })
			if r.Error == nil || !strings.Contains(r.Error.Error(), c.want) {
				t.Errorf("error = %v, want %q", r.Error, c.want)
			}
			// The bodies are refused before they expand: 64 MiB of zeros,
			// a million frames at 16 bytes each.
			if used > 16<<20 {
				t.Errorf("the query allocated %d MiB", used>>20)
			}
			if good := query("good"); good.Error != nil {
				t.Errorf("the next query failed: %v", good.Error)
			}
		})
	}
	t.Run("deep", func(t *testing.T) {
		r := query("deep")
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		f := r.Frames[0]
		if err := frames.CheckFlameGraph(f); err != nil {
			t.Error(err)
		}
		if !strings.Contains(fmt.Sprint(f.Meta.Notices), "2 stacks were deeper than 10000 frames (the deepest had 400000) and cut to the innermost 10000") {
			t.Errorf("notices %+v", f.Meta.Notices)
		}
	})
}

func TestHostileUploads(t *testing.T) {
	d := newInstance(t, "{"+hostileLimits+"}")
	for _, c := range []struct {
		name    string
		content []byte
		status  int
		want    string
	}{
		{"nested.pb.gz", hostile.NestedGzipBomb(64 << 20), 400, "gzip inside gzip"},
		{"bomb.pb.gz", hostile.GzipOfZeros(64 << 20), 413, "decompressed size exceeds 4 MiB limit"},
		{"cpu.pb.gz", hostile.DeepCPUProfile(1, 3_000_000), 413, "more than 1000000 stack frames"},
	} {
		status, body := callResource(t, d, "POST", "dumps?name="+c.name, c.content, "Editor")
		if status != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s; want %d and %q", c.name, status, body, c.status, c.want)
		}
	}
	e := upload(t, d, "deep.pb.gz", hostile.DeepCPUProfile(2, 50_000))
	r := runQuery(t, d, fmt.Sprintf(`{"queryType":"profile","dump":%q,"view":"top","profile":{"profileType":"cpu"}}`, e.ID))
	if r.Error != nil || !strings.Contains(fmt.Sprint(r.Frames[0].Meta.Notices), "cut to the innermost 10000") {
		t.Errorf("top of the stored deep profile: %v", r)
	}
}

func TestHostileDumpDirectory(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string][]byte{
		"goroutine.20261121T211542Z.txt.gz": hostile.Gzip(hostile.Gzip(hostile.DeepGoroutineDump(10))),
		"cpu.20261121T211600Z.pb.gz":        hostile.DeepCPUProfile(1, 8<<20),
		"heap.20261121T211630Z.pb.gz":       hostile.GzipOfZeros(8 << 20),
		"goroutine.20261121T211700Z.txt":    hostile.DeepGoroutineDump(100_000),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := newInstance(t, fmt.Sprintf(`{"dumpDirectories":[{"name":"holmes","path":%q}],%s}`, dir, hostileLimits))
	r := runQuery(t, d, `{"queryType":"dumps","view":"list"}`)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	list := r.Frames[0]
	name, errs := fieldByName(t, list, "name"), fieldByName(t, list, "error")
	got := map[string]string{}
	for i := range list.Rows() {
		got[name.At(i).(string)] = errs.At(i).(string)
	}
	for file, want := range map[string]string{
		"goroutine.20261121T211542Z.txt.gz": "gzip inside gzip",
		"cpu.20261121T211600Z.pb.gz":        "more than 1000000 stack frames",
		"heap.20261121T211630Z.pb.gz":       "decompressed size exceeds 4 MiB limit",
		"goroutine.20261121T211700Z.txt":    "",
	} {
		if e, ok := got[file]; !ok || !strings.Contains(e, want) || (want == "" && e != "") {
			t.Errorf("%s: error %q, want %q (listing %v)", file, e, want, got)
		}
	}
	day := backend.TimeRange{From: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	r = runQueryRange(t, d, `{"queryType":"goroutines","view":"groups","dumpSource":"dir:holmes"}`, day)
	if r.Error != nil || !strings.Contains(fmt.Sprint(r.Frames[0].Meta.Notices), "the deepest had 100000") {
		t.Errorf("groups of the deep dump: %v", r.Error)
	}
}

// The default limit, 512 MiB, on a bomb of 513 MiB.
func TestTargetServingAGzipBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("expands 512 MiB")
	}
	bomb := hostile.GzipOfZeros(513 << 20)
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
