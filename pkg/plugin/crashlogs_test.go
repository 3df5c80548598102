package plugin

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Real logs of ../goroutines/testdata/crashlogs (see its README).
const crashlogs = "../goroutines/testdata/crashlogs/"

// crashRun is one line of multicrash.*.expected.jsonl, written by the
// crashing process itself.
type crashRun struct {
	Mode       string    `json:"mode"`
	Goroutines int       `json:"goroutines"`
	LoggedAt   time.Time `json:"loggedAt"`
}

func crashRuns(t *testing.T, name string) []crashRun {
	t.Helper()
	var runs []crashRun
	sc := bufio.NewScanner(bytes.NewReader(readMaybeGzip(t, crashlogs+name)))
	for sc.Scan() {
		var r crashRun
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, r)
	}
	return runs
}

// programCount is the count of goroutines without the runtime's own: what
// runtime.NumGoroutine counted in the crashing process.
func programCount(t *testing.T, d *Datasource, query string) (float64, backend.DataResponse) {
	t.Helper()
	r := runQuery(t, d, query)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	for k, v := range numbers(t, r.Frames) {
		if strings.Contains(k, "category=all") {
			return v, r
		}
	}
	t.Fatalf("no total in %v", r.Frames)
	return 0, r
}

func snapshotMeta(f *data.Frame) map[string]any {
	if f.Meta == nil {
		return nil
	}
	m, _ := f.Meta.Custom.(map[string]any)
	return m
}

func TestMultiCrashLogUpload(t *testing.T) {
	runs := crashRuns(t, "multicrash.std.expected.jsonl")
	d := newInstance(t, `{}`)
	e := upload(t, d, "service.log", readMaybeGzip(t, crashlogs+"multicrash.std.txt.gz"))
	last := runs[len(runs)-1]
	if e.Format != "crash-text" || e.SnapshotCount != len(runs) || len(e.Snapshots) != len(runs) {
		t.Fatalf("entry %+v", e)
	}
	if !e.CapturedAt.Equal(last.LoggedAt) || e.CapturedFrom != "log" {
		t.Errorf("captured at %v from %s; want the last crash's log time %v", e.CapturedAt, e.CapturedFrom, last.LoggedAt)
	}
	for i, s := range e.Snapshots {
		if s.Index != i+1 || !s.LoggedAt.Equal(runs[i].LoggedAt) || s.Detail == "" {
			t.Errorf("snapshot %d: %+v, want logged at %v", i, s, runs[i].LoggedAt)
		}
	}

	query := func(extra string) string {
		return fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q,"filter":{"hideRuntime":true}%s}`, e.ID, extra)
	}
	// The newest snapshot by default, and the frame says there are six.
	n, r := programCount(t, d, query(""))
	if n != float64(last.Goroutines) {
		t.Errorf("newest snapshot: %v goroutines, want %d", n, last.Goroutines)
	}
	meta := snapshotMeta(r.Frames[0])
	if meta["snapshots"] != len(runs) || meta["snapshot"] != len(runs) || !strings.Contains(noticesOf(r.Frames), "holds 6 snapshots") {
		t.Errorf("meta %v, notices %q", meta, noticesOf(r.Frames))
	}
	// Every snapshot by position and by capture time; 36 goroutines in all.
	total := 0.0
	for i, run := range runs {
		byIndex, _ := programCount(t, d, query(fmt.Sprintf(`,"snapshot":"%d"`, i+1)))
		byTime, _ := programCount(t, d, query(fmt.Sprintf(`,"snapshot":%q`, run.LoggedAt.Format(time.RFC3339Nano))))
		if byIndex != float64(run.Goroutines) || byTime != byIndex {
			t.Errorf("snapshot %d (%s): %v by position, %v by time; want %d", i+1, run.Mode, byIndex, byTime, run.Goroutines)
		}
		total += byIndex
	}
	if total != 36 {
		t.Errorf("%v goroutines in all, want 36", total)
	}
	if r := runQuery(t, d, query(`,"snapshot":"7"`)); r.Error == nil || !strings.Contains(r.Error.Error(), "holds 6") {
		t.Errorf("snapshot 7 of 6: %v", r.Error)
	}

	// The list says six snapshots; history and annotations place each at
	// its own time.
	r = runQuery(t, d, `{"queryType":"dumps","view":"list"}`)
	if r.Error != nil || fieldByName(t, r.Frames[0], "snapshots").At(0) != int64(6) {
		t.Errorf("list: %v", r.Error)
	}
	span := backend.TimeRange{From: runs[0].LoggedAt.Add(-time.Minute), To: last.LoggedAt.Add(time.Minute)}
	r = runQueryRange(t, d, `{"queryType":"dumps","view":"history","dumpSource":"upload"}`, span)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	var times []time.Time
	for _, f := range r.Frames {
		if f.Fields[1].Labels["category"] == "all" {
			for i := range f.Rows() {
				times = append(times, f.Fields[0].At(i).(time.Time))
			}
		}
	}
	if len(times) != len(runs) {
		t.Fatalf("history has %d points, want %d", len(times), len(runs))
	}
	for i, at := range times {
		if !at.Equal(runs[i].LoggedAt) {
			t.Errorf("history point %d at %v, want %v", i, at, runs[i].LoggedAt)
		}
	}
	r = runQueryRange(t, d, `{"queryType":"dumps","view":"annotations","dumpSource":"upload"}`, span)
	if r.Error != nil || r.Frames[0].Rows() != len(runs) {
		t.Errorf("annotations: %v, %d rows", r.Error, r.Frames[0].Rows())
	}
}

func TestMultiCrashLogInDirectory(t *testing.T) {
	runs := crashRuns(t, "multicrash.json.expected.jsonl")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "service.log"), readMaybeGzip(t, crashlogs+"multicrash.json.txt.gz"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := newInstance(t, fmt.Sprintf(`{"dumpDirectories":[{"name":"logs","path":%q}]}`, dir))
	// A dashboard whose range ends just after the third crash reads the
	// third crash.
	third := runs[2]
	tr := backend.TimeRange{From: third.LoggedAt.Add(-time.Hour), To: third.LoggedAt.Add(100 * time.Millisecond)}
	r := runQueryRange(t, d, `{"queryType":"goroutines","view":"count","dumpSource":"dir:logs","filter":{"hideRuntime":true}}`, tr)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	got := numbers(t, r.Frames)
	if got["goroutines{category=all, dump=service.log, source=dir:logs}"] != float64(third.Goroutines) || snapshotMeta(r.Frames[0])["snapshot"] != 3 {
		t.Errorf("numbers %v, meta %v; want snapshot 3 with %d goroutines", got, snapshotMeta(r.Frames[0]), third.Goroutines)
	}
	r = runQuery(t, d, `{"queryType":"dumps","view":"list","dumpSource":"dir:logs"}`)
	if r.Error != nil || fieldByName(t, r.Frames[0], "snapshots").At(0) != int64(len(runs)) ||
		fieldByName(t, r.Frames[0], "capturedFrom").At(0) != "log" {
		t.Errorf("list: %v", r.Error)
	}
}

func TestCrashThreadSectionsAreNotCounted(t *testing.T) {
	d := newInstance(t, `{}`)
	for _, v := range []string{"1.21", "1.24", "1.26"} {
		e := upload(t, d, "threads.txt", readMaybeGzip(t, crashlogs+"threads.go"+v+".txt.gz"))
		// 14 goroutines of the program and 4 of the runtime; 7 threads.
		n, r := programCount(t, d, fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q}`, e.ID))
		if n != 18 {
			t.Errorf("go%s: count %v, want 18", v, n)
		}
		if !strings.Contains(noticesOf(r.Frames), "7 OS threads") {
			t.Errorf("go%s: notices %q", v, noticesOf(r.Frames))
		}
		for _, view := range []string{"states", "groups"} {
			r := runQuery(t, d, fmt.Sprintf(`{"queryType":"goroutines","view":%q,"dump":%q}`, view, e.ID))
			if r.Error != nil {
				t.Fatal(r.Error)
			}
			sum := 0.0
			count := fieldByName(t, r.Frames[0], "Goroutines")
			for i := range count.Len() {
				sum += asFloat(count.At(i))
			}
			if sum != 18 {
				t.Errorf("go%s %s: %v goroutines, want 18", v, view, sum)
			}
		}
	}
}

func TestRaceLogs(t *testing.T) {
	d := newInstance(t, `{}`)
	for _, name := range []string{"race.gotest.txt", "race.gorun.txt"} {
		e := upload(t, d, name, readMaybeGzip(t, crashlogs+name))
		if e.Format != "race-text" {
			t.Fatalf("%s: format %s", name, e.Format)
		}
		r := runQuery(t, d, fmt.Sprintf(`{"queryType":"goroutines","view":"races","dump":%q}`, e.ID))
		if r.Error != nil {
			t.Fatal(r.Error)
		}
		if f := r.Frames[0]; f.Rows() < 9 || fieldByName(t, f, "Event").At(1) != "Previous write" {
			t.Errorf("%s: %d rows", name, f.Rows())
		}
		r = runQuery(t, d, fmt.Sprintf(`{"queryType":"goroutines","view":"states","dump":%q}`, e.ID))
		if r.Error == nil || !strings.Contains(r.Error.Error(), "a race report has no goroutine states") {
			t.Errorf("%s states: %v", name, r.Error)
		}
	}
}

// A debug=1 summary has no states: its counts per category are null in the
// history, not zero, while its total is shown.
func TestHistoryOfSnapshotsWithoutStates(t *testing.T) {
	r := runQueryRange(t, scenarioDirectory(t), `{"queryType":"dumps","view":"history","dumpSource":"dir:holmes"}`, scenarioDay)
	if r.Error != nil {
		t.Fatal(r.Error)
	}
	got := map[string]string{}
	for _, f := range r.Frames {
		v := f.Fields[1]
		var vals []string
		for i := range v.Len() {
			switch x := v.At(i).(type) {
			case *float64:
				if x == nil {
					vals = append(vals, "null")
				} else {
					vals = append(vals, fmt.Sprint(*x))
				}
			default:
				vals = append(vals, fmt.Sprint(x))
			}
		}
		got[v.Labels["category"]] = strings.Join(vals, " ")
	}
	want := map[string]string{"all": "2345 2345", "channel": "null 601", "lock": "null 1007", "syscall": "null 192"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("category %s: %q, want %q (all: %v)", k, got[k], w, got)
		}
	}
}

func noticesOf(fs data.Frames) string {
	var b strings.Builder
	for _, f := range fs {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				b.WriteString(n.Text + "\n")
			}
		}
	}
	return b.String()
}
