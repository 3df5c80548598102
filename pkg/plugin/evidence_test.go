package plugin

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/capture"
	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/internal/faketarget"
	"github.com/goscope/pprof/pkg/stackgroups"
)

// evidenceInstance is a data source recording one fake target every 5 s
// with a full dump every round.
func evidenceInstance(t *testing.T, ft *faketarget.Target, extra string) *Datasource {
	t.Helper()
	return newInstance(t, fmt.Sprintf(`{"recordIntervalSeconds":5,"fullDumpIntervalSeconds":5,%s"targets":[{"name":"t","url":%q}]}`, extra, ft.URL()))
}

func startTarget(t *testing.T) *faketarget.Target {
	ft := faketarget.Start()
	t.Cleanup(ft.Close)
	return ft
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// seriesValues maps "figure{category}" to the last value of each series.
func seriesValues(t *testing.T, r backend.DataResponse) map[string]float64 {
	t.Helper()
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	out := map[string]float64{}
	for _, f := range r.Frames {
		if f.Meta == nil || f.Meta.Type != data.FrameTypeTimeSeriesMulti {
			t.Fatalf("frame %q is not a time series", f.Name)
		}
		v := f.Fields[1]
		out[v.Name+"{"+v.Labels["category"]+"}"] = v.At(v.Len() - 1).(float64)
	}
	return out
}

func parseFile(t *testing.T, path string) *goroutines.Snapshot {
	t.Helper()
	snap, err := goroutines.Parse(readMaybeGzip(t, path), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// The states over time are the counts and waits of the full dumps the
// recorder took.
func TestStatesOverTimeMatchTheDumps(t *testing.T) {
	ft := startTarget(t)
	d := evidenceInstance(t, ft, "")
	waitFor(t, "a full dump's states", func() bool { return recorded(d, "t", "goroutines_lock") })
	got := seriesValues(t, runQuery(t, d, `{"queryType":"metrics","view":"series","target":"t","metric":"goroutines_by_category"}`))
	snap := parseFile(t, "../stackgroups/testdata/growth/before.debug2.txt")
	counts, err := stackgroups.Count(snap, stackgroups.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(counts.ByCategory) {
		t.Errorf("%d series for %d categories: %v", len(got), len(counts.ByCategory), got)
	}
	for cat, n := range counts.ByCategory {
		if v := got["goroutines_"+cat.String()+"{"+cat.String()+"}"]; v != float64(n) {
			t.Errorf("%s: series %v, dump %d", cat, v, n)
		}
	}
	lock := seriesValues(t, runQuery(t, d, `{"queryType":"metrics","view":"series","target":"t","metric":"goroutines_lock"}`))
	if len(lock) != 1 || lock["goroutines_lock{lock}"] != 3 {
		t.Errorf("goroutines_lock = %v", lock)
	}
	r := runQuery(t, d, `{"queryType":"metrics","target":"t","metric":"goroutines_lock"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "use the series view") {
		t.Errorf("current view of a state figure: %v", r.Error)
	}
}

// A jump above a rule's threshold captures one bundle with the reason,
// shown as an annotation, listed under the target's capture source, and
// "what grew" compares it with the full dump taken before the jump.
func TestJumpCapturesOneBundle(t *testing.T) {
	ft := startTarget(t)
	d := evidenceInstance(t, ft, `"captureRules":[{"figure":"goroutines","abs":100,"cooldownMinutes":1}],`)
	waitFor(t, "the baseline full dump", func() bool { return recorded(d, "t", "goroutines_lock") })
	ft.Grow()
	captured := func() []dumps.Entry { return d.catalog.List(dumps.Filter{Source: "capture:t"}) }
	waitFor(t, "a bundle of five dumps", func() bool { return len(captured()) >= 5 })
	parts := map[string]bool{}
	for _, e := range captured() {
		if e.Capture == nil || e.Capture.Reason != "goroutines 29 → 467, above the absolute 100" {
			t.Fatalf("capture %+v", e.Capture)
		}
		parts[string(e.Format)] = true
	}
	for _, f := range []string{"goroutine-text", "pprof-heap", "pprof-threadcreate", "pprof-goroutine"} {
		if !parts[f] {
			t.Errorf("the bundle has no %s: %v", f, parts)
		}
	}

	ann := runQuery(t, d, `{"queryType":"dumps","view":"annotations","dumpSource":"capture"}`)
	if ann.Error != nil || ann.Frames[0].Rows() != 1 {
		t.Fatalf("annotations: %v %v", ann.Error, ann.Frames)
	}
	if title, text := ann.Frames[0].Fields[1].At(0).(string), ann.Frames[0].Fields[2].At(0).(string); title != "Capture of t" || !strings.HasPrefix(text, "goroutines 29 → 467") {
		t.Errorf("annotation %q: %q", title, text)
	}

	growth := runQuery(t, d, `{"queryType":"goroutines","view":"growth","dumpSource":"capture:t"}`)
	if growth.Error != nil {
		t.Fatal(growth.Error)
	}
	table := growth.Frames[0]
	if fn, delta := table.Fields[5].At(0).(string), table.Fields[0].At(0).(int64); fn != "main.locker" || delta != 300 {
		t.Errorf("first row of what grew: %s %+d", fn, delta)
	}
	if n := table.Meta.Notices; len(n) == 0 || !strings.Contains(n[0].Text, "29 → 467 goroutines (+438)") {
		t.Errorf("notices %+v", n)
	}

	// The value stays above the threshold: no second bundle within the
	// cooldown.
	rounds := ft.Requests("")
	waitFor(t, "another recorder round", func() bool { return ft.Requests("") > rounds })
	time.Sleep(200 * time.Millisecond)
	bundles := map[string]bool{}
	for _, e := range captured() {
		bundles[e.Capture.Bundle] = true
	}
	if len(bundles) != 1 {
		t.Errorf("%d bundles within the cooldown", len(bundles))
	}
}

// The first heap profile of a source (a target's first capture) has none
// before it: the flame graph shows it alone and says so.
func TestFirstProfileOfASourceShowsAlone(t *testing.T) {
	d := newInstance(t, `{"targets":[]}`)
	raw, err := os.ReadFile("../stackgroups/testdata/growth/before.heap.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.catalog.Store().Put("before.heap.pb.gz", "test", bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	tr := backend.TimeRange{From: time.Unix(0, 0), To: time.Now().Add(time.Hour)}
	r := runQueryRange(t, d, `{"queryType":"profile","view":"flamegraph","dumpSource":"upload","profile":{"profileType":"heap","baseline":{"previous":true}}}`, tr)
	if r.Error != nil || len(r.Frames) != 1 {
		t.Fatalf("%d frames, error %v", len(r.Frames), r.Error)
	}
	if _, i := r.Frames[0].FieldByName("valueRight"); i >= 0 {
		t.Error("a diff against nothing")
	}
	if n := noticeTexts(r.Frames); len(n) != 1 || !strings.Contains(n[0], "source upload has no heap profile before") || !strings.Contains(n[0], "without a baseline") {
		t.Errorf("notices %q", n)
	}
}

func TestHeapDiffAgainstThePreviousProfile(t *testing.T) {
	d := newInstance(t, `{"targets":[]}`)
	for _, name := range []string{"before.heap.pb.gz", "after.heap.pb.gz"} {
		raw, err := os.ReadFile("../stackgroups/testdata/growth/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.catalog.Store().Put(name, "test", bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	tr := backend.TimeRange{From: time.Unix(0, 0), To: time.Now().Add(time.Hour)}
	r := runQueryRange(t, d, `{"queryType":"profile","view":"flamegraph","dumpSource":"upload","profile":{"profileType":"heap","baseline":{"previous":true}}}`, tr)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	f := r.Frames[0]
	if _, i := f.FieldByName("valueRight"); i < 0 {
		t.Fatalf("not a diff: %v", f.Fields)
	}
	// main.hoard holds 8 MiB more between the profiles: 40 MiB in the
	// later one, the comparison.
	label, _ := f.FieldByName("label")
	right, _ := f.FieldByName("valueRight")
	names := label.Config.TypeConfig.Enum.Text
	found := false
	for i := range f.Rows() {
		if names[label.At(i).(data.EnumItemIndex)] == "main.hoard" {
			found = true
			if v := right.At(i).(int64); v != 40<<20 {
				t.Errorf("main.hoard in the later profile: %d bytes", v)
			}
		}
	}
	if !found {
		t.Fatal("no main.hoard node in the heap diff")
	}
	r = runQueryRange(t, d, `{"queryType":"profile","view":"flamegraph","dumpSource":"upload","profile":{"profileType":"threadcreate","baseline":{"previous":true}}}`, tr)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "no suitable dump") {
		t.Errorf("no threadcreate profile in the source: %v", r.Error)
	}
}

// However many panels and rules ask at once, a target gets at most one
// full dump per minimum interval.
func TestFullDumpsUnderConcurrentPanelsAndRules(t *testing.T) {
	ft := startTarget(t)
	start := time.Now()
	d := evidenceInstance(t, ft, `"captureRules":[{"figure":"goroutines","abs":10,"cooldownMinutes":1}],`)
	var wg sync.WaitGroup
	stop := time.Now().Add(7 * time.Second)
	for i := range 16 {
		wg.Go(func() {
			views := []string{"groups", "count", "states", "leaks"}
			for time.Now().Before(stop) {
				js := fmt.Sprintf(`{"queryType":"goroutines","target":"t","view":%q}`, views[i%len(views)])
				resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{RefID: "A", JSON: []byte(js)}}})
				if err != nil || resp.Responses["A"].Error != nil {
					t.Errorf("%s: %v %v", js, err, resp.Responses["A"].Error)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	allowed := int(elapsed/d.settings.MinInterval) + 1
	if n := ft.FullDumps(); n < 1 || n > allowed {
		t.Errorf("%d full dumps in %s with a %s minimum interval; at most %d allowed", n, elapsed.Round(time.Millisecond), d.settings.MinInterval, allowed)
	}
}

func TestBaselineCacheKeepsTheDumpBeforeTheSpike(t *testing.T) {
	c := newBaselineCache(800)
	at := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	part := func(seconds, size int) capture.Part {
		return capture.Part{Data: make([]byte, size), FetchedAt: at.Add(time.Duration(seconds) * time.Second)}
	}
	c.put("a", part(-60, 10))
	c.put("a", part(-1, 20))
	c.put("a", part(2, 30)) // the recorder's dump after the spike
	if p, ok := c.before("a", at); !ok || len(p.Data) != 20 {
		t.Errorf("baseline before the spike: %v %d", ok, len(p.Data))
	}
	if _, ok := c.before("a", at.Add(-time.Hour)); ok {
		t.Error("a baseline older than every kept dump")
	}
	c.put("b", part(0, 101)) // more than an eighth of the budget
	if _, ok := c.before("b", at.Add(time.Hour)); ok {
		t.Error("kept a dump larger than its share")
	}
	for i := range 8 {
		c.put(fmt.Sprint("t", i), part(i, 100))
	}
	if c.used > c.budget {
		t.Errorf("%d bytes kept over a budget of %d", c.used, c.budget)
	}
	if _, ok := c.before("a", at); ok {
		t.Error("the oldest dump was not dropped for newer ones")
	}
}

func TestUnusableHistoryDirectoryIsReported(t *testing.T) {
	ft := startTarget(t)
	notADir := t.TempDir() + "/file"
	if err := os.WriteFile(notADir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := evidenceInstance(t, ft, fmt.Sprintf(`"historyDir":%q,`, notADir))
	if res := checkHealth(t, d); res.Status != backend.HealthStatusError || !strings.Contains(res.Message, "The recorder's history is not kept: history") {
		t.Errorf("health %v: %s", res.Status, res.Message)
	}
	r := runQuery(t, d, `{"queryType":"metrics","view":"series","target":"t"}`)
	if r.Error == nil || !strings.Contains(r.Error.Error(), "the recorder's history is unavailable") {
		t.Errorf("series: %v", r.Error)
	}
	// Sampling and the current view go on without it.
	if n := numbers(t, runQuery(t, d, `{"queryType":"metrics","target":"t","metric":"up"}`).Frames); n["up{target=t}"] != 1 {
		t.Errorf("current up = %v", n)
	}
}

// A long range gets one point per step of the panel; a short one every
// sample.
func TestSeriesStepFollowsThePanel(t *testing.T) {
	day := backend.TimeRange{From: time.Unix(0, 0), To: time.Unix(0, 0).Add(24 * time.Hour)}
	cases := []struct {
		dq   backend.DataQuery
		want time.Duration
	}{
		{backend.DataQuery{TimeRange: day, MaxDataPoints: 1000, Interval: 20 * time.Second}, 86 * time.Second},
		{backend.DataQuery{TimeRange: day, MaxDataPoints: 100000, Interval: 2 * time.Minute}, 2 * time.Minute},
		{backend.DataQuery{TimeRange: backend.TimeRange{From: day.From, To: day.From.Add(time.Hour)}, MaxDataPoints: 1000, Interval: time.Second}, 0},
		{backend.DataQuery{TimeRange: day}, 0},
	}
	for _, c := range cases {
		if got := seriesStep(c.dq, 15*time.Second); got != c.want {
			t.Errorf("range %s, %d points, interval %s: step %s; want %s", c.dq.TimeRange.Duration(), c.dq.MaxDataPoints, c.dq.Interval, got, c.want)
		}
	}
}
