package plugin

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/parsecache"
)

// parseStat reads the parse cache stat of a frame: 1 when the query was
// served a parse, 0 when it parsed.
func parseStat(t *testing.T, f *data.Frame) float64 {
	t.Helper()
	if f.Meta != nil {
		for _, s := range f.Meta.Stats {
			if s.DisplayName == parseCacheStat {
				return s.Value
			}
		}
	}
	t.Fatalf("frame %q has no %q stat", f.Name, parseCacheStat)
	return 0
}

func queryFrames(t *testing.T, d *Datasource, js string) data.Frames {
	t.Helper()
	r := runQuery(t, d, js)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	return r.Frames
}

// A dashboard of ten panels over one dump parses it once, even when the
// panels ask at the same moment, and a refresh parses nothing.
func TestTenPanelsOverOneDumpParseItOnce(t *testing.T) {
	storeDir := t.TempDir()
	uploader := newInstance(t, fmt.Sprintf(`{"dumpStoreDir":%q}`, storeDir))
	id := upload(t, uploader, "incident.txt", readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")).ID
	// Another instance on the same store: its cache holds nothing yet (the
	// upload's validation filled the uploader's).
	d := newInstance(t, fmt.Sprintf(`{"dumpStoreDir":%q}`, storeDir))
	views := []string{"count", "states", "groups", "timeline", "leaks", "races", "count", "groups", "states", "leaks"}
	req := &backend.QueryDataRequest{}
	for i, v := range views {
		req.Queries = append(req.Queries, backend.DataQuery{RefID: fmt.Sprint(i), TimeRange: backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now()},
			JSON: fmt.Appendf(nil, `{"queryType":"goroutines","view":%q,"dump":%q,"perCategory":%v}`, v, id, i >= 6)})
	}
	parses := func() int {
		resp, err := d.QueryData(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for refID, r := range resp.Responses {
			if r.Error != nil {
				t.Fatalf("panel %s: %v", refID, r.Error)
			}
			if parseStat(t, r.Frames[0]) == 0 {
				n++
			}
		}
		return n
	}
	if n := parses(); n != 1 {
		t.Errorf("ten panels parsed the dump %d times", n)
	}
	if n := parses(); n != 0 {
		t.Errorf("a refresh parsed the dump %d times", n)
	}
	if s := d.parseCache.Stats(); s.Loads != int64(1+len(views)) {
		t.Errorf("cache stats %+v: want one parse and one build per distinct panel", s)
	}
}

// The parse of an upload's validation serves the first query.
func TestFirstQueryAfterUploadDoesNotParse(t *testing.T) {
	d := newInstance(t, `{}`)
	id := upload(t, d, "incident.txt", readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")).ID
	fs := queryFrames(t, d, fmt.Sprintf(`{"queryType":"goroutines","view":"groups","dump":%q}`, id))
	if parseStat(t, fs[0]) != 1 {
		t.Error("the first query parsed the dump again")
	}
}

// The bytes of a live target are identified by their fetch: within the
// minimum interval the same response, and the same parse, serve every
// query. The recorder is off: its first full dump, at the same moment,
// would parse the response before the first query does.
func TestTargetResponseParsedOncePerFetch(t *testing.T) {
	d, fullDumps := scenarioInstance(t, `"minIntervalSeconds":60,"recordDisabled":true,`)
	first := queryFrames(t, d, `{"queryType":"goroutines","view":"count","target":"scenario"}`)
	second := queryFrames(t, d, `{"queryType":"goroutines","view":"states","target":"scenario"}`)
	if fullDumps.Load() != 1 || parseStat(t, first[0]) != 0 || parseStat(t, second[0]) != 1 {
		t.Errorf("%d fetches; parse stats %v then %v", fullDumps.Load(), parseStat(t, first[0]), parseStat(t, second[0]))
	}
}

// A cached view is handed out as a copy: what one query adds to its
// frames (notices, stats, Grafana's ref id) does not show in the next.
func TestCachedFramesAreNotShared(t *testing.T) {
	d := newInstance(t, `{}`)
	id := upload(t, d, "incident.txt", readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")).ID
	q := fmt.Sprintf(`{"queryType":"goroutines","view":"groups","dump":%q}`, id)
	first := queryFrames(t, d, q)
	first[0].RefID = "changed"
	first[0].Meta.Notices = append(first[0].Meta.Notices, data.Notice{Text: "added by a caller"})
	second := queryFrames(t, d, q)
	if second[0].RefID == "changed" || len(second[0].Meta.Notices) != len(first[0].Meta.Notices)-1 || len(second[0].Meta.Stats) != len(first[0].Meta.Stats) {
		t.Errorf("second answer carries the first one's changes: %+v", second[0].Meta)
	}
}

// The cache holds what parseCacheMiB allows, and no more.
func TestParseCacheIsBounded(t *testing.T) {
	d := newInstance(t, `{"parseCacheMiB":1}`)
	dump := generatedDump(20_000) // about 6 MiB: its parse does not fit
	id := upload(t, d, "big.txt", dump).ID
	for range 2 {
		fs := queryFrames(t, d, fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q,"filter":{"minWaitMinutes":%d}}`, id, time.Now().Nanosecond()))
		if parseStat(t, fs[0]) != 0 {
			t.Error("a parse larger than the cache was kept")
		}
	}
	if s := d.parseCache.Stats(); s.Bytes > 1<<20 || s.TooLarge == 0 {
		t.Errorf("stats = %+v", s)
	}
}

// The cache's estimate of a parse's memory is at least what the parse
// keeps on the heap, so its budget is real.
func TestParseCacheEstimatesCoverRetainedMemory(t *testing.T) {
	cases := []struct {
		name  string
		p     parser
		input []byte
	}{
		{"generated debug=2 dump", goroutineParser, generatedDump(100_000)},
		{"SIGQUIT of 2349 goroutines", goroutineParser, readMaybeGzip(t, scenario+"sigquit.gotraceback-all.txt.gz")},
		{"debug=2 of 2345 goroutines", goroutineParser, readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")},
		{"CPU profile", profileParser, decoded(t, "../profiles/testdata/cpu-large.pb.gz")},
		{"heap text profile", profileParser, readMaybeGzip(t, "../profiles/testdata/heap.debug1.txt")},
	}
	for _, c := range cases {
		var kept parsed
		n := retainedBy(func() { kept = c.p.parse(c.input, dumpformat.Limits{}) })
		if kept.err != nil && kept.snapshots == nil && kept.profile == nil {
			t.Fatalf("%s: %v", c.name, kept.err)
		}
		if est := c.p.estimate(len(c.input)); uint64(est) < n {
			t.Errorf("%s: %d input bytes, estimated %d, retained %d", c.name, len(c.input), est, n)
		}
		runtime.KeepAlive(kept)
	}
}

func decoded(t *testing.T, path string) []byte {
	t.Helper()
	plain, _, err := dumpformat.Decode(readMaybeGzip(t, path), dumpformat.Limits{MaxDecompressedBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// retainedBy is how much more the live heap holds after fn than before.
func retainedBy(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return max(after.HeapAlloc, before.HeapAlloc) - before.HeapAlloc
}

// A query over every target goes source by source: no more than a few
// targets are being read (and held) at once.
func TestQueryOverManyTargetsHoldsFewAtOnce(t *testing.T) {
	index := readMaybeGzip(t, "../indexpage/testdata/go1.19.html")
	dump := readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")
	var inFlight, most atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("debug") != "2" {
			w.Write(index)
			return
		}
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		w.Write(dump)
	}))
	t.Cleanup(srv.Close)
	var targets []string
	for i := range 12 {
		targets = append(targets, fmt.Sprintf(`{"name":"t%d","url":%q}`, i, srv.URL+"/debug/pprof"))
	}
	// The recorder's own full dumps would be counted too.
	d := newInstance(t, `{"fullDumpsDisabled":true,"targets":[`+strings.Join(targets, ",")+`]}`)
	fs := queryFrames(t, d, `{"queryType":"goroutines","view":"count","target":"*"}`)
	if len(fs) != 12 {
		t.Fatalf("%d frames", len(fs))
	}
	if m := most.Load(); m > maxHeldDumps {
		t.Errorf("%d targets read at once", m)
	}
}

// Grafana creates the new instance of a data source before it disposes of
// the old one. Both use one store: the new settings apply, and an upload
// the old instance began goes on (opening a second store on the directory
// deleted it).
func TestNewSettingsKeepUploadsInProgress(t *testing.T) {
	storeDir := t.TempDir()
	old := newInstance(t, fmt.Sprintf(`{"dumpStoreDir":%q,"maxUploadMiB":64}`, storeDir))
	data := readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")
	status, body := callResource(t, old, "POST", "dumps/uploads", fmt.Appendf(nil, `{"name":"a.txt","size":%d}`, len(data)), "Editor")
	if status != 201 {
		t.Fatalf("begin: %d %s", status, body)
	}
	uploadID := strings.Split(strings.Split(string(body), `"uploadId":"`)[1], `"`)[0]
	if status, body := callResource(t, old, "PUT", "dumps/uploads/"+uploadID+"?offset=0", data[:1000], "Editor"); status != 200 {
		t.Fatalf("chunk: %d %s", status, body)
	}
	updated := newInstance(t, fmt.Sprintf(`{"dumpStoreDir":%q,"maxUploadMiB":1}`, filepath.Clean(storeDir+"/")))
	if old.catalog.Store() != updated.catalog.Store() {
		t.Fatal("two stores on one directory")
	}
	if status, body := callResource(t, updated, "PUT", fmt.Sprintf("dumps/uploads/%s?offset=1000", uploadID), data[1000:], "Editor"); status != 200 {
		t.Fatalf("chunk after the settings changed: %d %s", status, body)
	}
	if status, body := callResource(t, updated, "POST", "dumps/uploads/"+uploadID+"/finish", nil, "Editor"); status != 201 {
		t.Fatalf("finish: %d %s", status, body)
	}
	if status, body := callResource(t, updated, "POST", "dumps/uploads", []byte(`{"name":"b.txt","size":2000000}`), "Editor"); status != 413 {
		t.Errorf("the new upload limit does not apply: %d %s", status, body)
	}
	old.Dispose()
	if status, body := callResource(t, updated, "GET", "dumps?source=upload", nil, "Viewer"); status != 200 || !strings.Contains(string(body), "a.txt") {
		t.Errorf("after the old instance is gone: %d %s", status, body)
	}
}

// Every resource answers in JSON, unknown ones included.
func TestUnknownResourceIsJSON(t *testing.T) {
	d := newInstance(t, `{}`)
	for path, want := range map[string]int{"nowhere": 404, "dumps/a/b/c/d": 404} {
		status, body := callResource(t, d, "GET", path, nil, "Viewer")
		if status != want || !strings.HasPrefix(string(body), `{"error":`) {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
	if status, body := callResource(t, d, "POST", "targets", nil, "Viewer"); status != 405 || !strings.HasPrefix(string(body), `{"error":`) {
		t.Errorf("POST targets: %d %s", status, body)
	}
}

// Concurrent queries over one cached parse only read it (run with -race).
func TestConcurrentViewsOfOneParse(t *testing.T) {
	d := newInstance(t, `{}`)
	id := upload(t, d, "incident.txt", readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")).ID
	var wg sync.WaitGroup
	for i, v := range []string{"count", "states", "groups", "timeline", "leaks", "races"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := runQuery(t, d, fmt.Sprintf(`{"queryType":"goroutines","view":%q,"dump":%q,"filter":{"minWaitMinutes":%d}}`, v, id, i))
			if r.Error != nil {
				t.Error(r.Error)
			}
		}()
	}
	wg.Wait()
}

// Cached parses are shared by every query over the same content, so no
// view may change them: after every view has run on them, concurrently
// (run with -race), they equal a fresh parse.
func TestViewsDoNotChangeACachedParse(t *testing.T) {
	d := newInstance(t, `{}`)
	cases := []struct {
		p     parser
		name  string
		input []byte
		views []string
	}{
		{goroutineParser, "debug2.txt", readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz"), []string{
			`{"queryType":"goroutines","view":"count","perCategory":true,"dump":%q}`,
			`{"queryType":"goroutines","view":"states","dump":%q}`,
			`{"queryType":"goroutines","view":"groups","dump":%q,"filter":{"states":["lock"],"hideRuntime":true}}`,
			`{"queryType":"goroutines","view":"timeline","dump":%q}`,
			`{"queryType":"goroutines","view":"leaks","dump":%q,"filter":{"include":"main\\.","minWaitMinutes":1}}`,
		}},
		{profileParser, "cpu.pb.gz", readFile(t, profilesDir+"cpu.pb.gz"), []string{
			`{"queryType":"profile","view":"flamegraph","dump":%q,"profile":{"profileType":"cpu","focus":"runtime","maxNodes":100}}`,
			`{"queryType":"profile","view":"flamegraph","dump":%[1]q,"profile":{"profileType":"cpu","hide":"runtime","ignore":"gc","baseline":{"dump":%[1]q}}}`,
			`{"queryType":"profile","view":"top","dump":%q,"profile":{"profileType":"cpu","byLine":true}}`,
			`{"queryType":"profile","view":"labels","dump":%q,"profile":{"profileType":"cpu","groupBy":"handler"}}`,
		}},
	}
	for _, c := range cases {
		e := upload(t, d, c.name, c.input)
		var wg sync.WaitGroup
		for _, v := range c.views {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := runQuery(t, d, fmt.Sprintf(v, e.ID)); r.Error != nil {
					t.Errorf("%s: %v", v, r.Error)
				}
			}()
		}
		wg.Wait()
		cached, outcome, _ := d.parseCache.Get(c.p.name+" dump "+e.ID, func() (parsed, int64, error) {
			return parsed{}, 0, fmt.Errorf("not cached")
		})
		plain, _, err := dumpformat.Decode(c.input, dumpformat.Limits{MaxDecompressedBytes: 1 << 30})
		if err != nil {
			t.Fatal(err)
		}
		if outcome != parsecache.Cached || !reflect.DeepEqual(cached, c.p.parse(plain, dumpformat.Limits{})) {
			t.Errorf("%s: the cached parse (%v) changed under the views", c.name, outcome)
		}
	}
}
