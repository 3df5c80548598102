package history

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

var base = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func at(seconds int) time.Time { return base.Add(time.Duration(seconds) * time.Second) }

func TestAppendRangeAndReopen(t *testing.T) {
	s, path := openTemp(t)
	err := s.Append([]Record{
		{"api-1", Sample{at(0), map[string]float64{"up": 1, "goroutines": 120, "cpu_seconds_total": 1.25}}},
		{"api-2", Sample{at(0), map[string]float64{"up": 0}}},
		{"api-1", Sample{at(15), map[string]float64{"up": 1, "goroutines": 130, "rss_bytes": 3 << 30}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Range("api-1", at(0), at(15))
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{
		{at(0), map[string]float64{"up": 1, "goroutines": 120, "cpu_seconds_total": 1.25}},
		{at(15), map[string]float64{"up": 1, "goroutines": 130, "rss_bytes": 3 << 30}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopening:\n got %v\nwant %v", got, want)
	}
	if got, _ := s2.Range("api-1", at(1), at(14)); len(got) != 0 {
		t.Errorf("range between samples = %v", got)
	}
	targets, _ := s2.Targets()
	if !reflect.DeepEqual(targets, []string{"api-1", "api-2"}) {
		t.Errorf("targets = %v", targets)
	}
}

func TestSameTimeMerges(t *testing.T) {
	s, _ := openTemp(t)
	must(t, s.Append([]Record{{"a", Sample{at(0), map[string]float64{"up": 1, "goroutines": 5}}}}))
	must(t, s.Append([]Record{{"a", Sample{at(0), map[string]float64{"goroutines_lock": 3, "goroutines": 6}}}}))
	got, _ := s.Range("a", at(0), at(0))
	want := map[string]float64{"up": 1, "goroutines": 6, "goroutines_lock": 3}
	if len(got) != 1 || !reflect.DeepEqual(got[0].Values, want) {
		t.Fatalf("merged = %v", got)
	}
}

func TestValuesRoundTrip(t *testing.T) {
	s, _ := openTemp(t)
	values := map[string]float64{
		"zero": 0, "negative": -42, "fraction": 0.1, "big": 1 << 60, "huge": 1e300,
		"negzero": math.Copysign(0, -1), "inf": math.Inf(1),
	}
	must(t, s.Append([]Record{{"a", Sample{at(0), values}}}))
	got, _ := s.Range("a", at(0), at(0))
	for k, v := range values {
		g := got[0].Values[k]
		if g != v || math.Signbit(g) != math.Signbit(v) {
			t.Errorf("%s: got %v, want %v", k, g, v)
		}
	}
	must(t, s.Append([]Record{{"a", Sample{at(1), map[string]float64{"nan": math.NaN()}}}}))
	got, _ = s.Range("a", at(1), at(1))
	if !math.IsNaN(got[0].Values["nan"]) {
		t.Errorf("NaN came back as %v", got[0].Values["nan"])
	}
}

func TestSeriesFollowsTheStep(t *testing.T) {
	s, _ := openTemp(t)
	var records []Record
	// Four samples a minute for five minutes; a spike and a failed
	// reading inside the third minute.
	for i := range 20 {
		v := map[string]float64{"up": 1, "goroutines": float64(100 + i), "cpu_seconds_total": float64(i) / 2}
		if i == 9 {
			v["goroutines"] = 5000
		}
		if i == 10 {
			v = map[string]float64{"up": 0}
		}
		records = append(records, Record{"a", Sample{at(i * 15), v}})
	}
	must(t, s.Append(records))
	series, err := s.Series(Query{Target: "a", From: at(0), To: at(300), Step: time.Minute, Aggregate: testAggregation})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Series{}
	for _, sr := range series {
		byName[sr.Figure] = sr
	}
	if names := []string{series[0].Figure, series[1].Figure, series[2].Figure}; !reflect.DeepEqual(names, []string{"cpu_seconds_total", "goroutines", "up"}) {
		t.Fatalf("figures = %v", names)
	}
	wantTimes := []time.Time{at(0), at(60), at(120), at(180), at(240)}
	g := byName["goroutines"]
	if !reflect.DeepEqual(g.Times, wantTimes) || !reflect.DeepEqual(g.Values, []float64{103, 107, 5000, 115, 119}) {
		t.Errorf("goroutines per minute = %v %v", g.Times, g.Values)
	}
	if up := byName["up"]; !reflect.DeepEqual(up.Values, []float64{1, 1, 0, 1, 1}) {
		t.Errorf("up per minute = %v", up.Values)
	}
	if cpu := byName["cpu_seconds_total"]; !reflect.DeepEqual(cpu.Values, []float64{1.5, 3.5, 5.5, 7.5, 9.5}) {
		t.Errorf("cpu per minute = %v", cpu.Values)
	}

	raw, _ := s.Series(Query{Target: "a", From: at(30), To: at(60), Keep: func(f string) bool { return f == "goroutines" }})
	if len(raw) != 1 || !reflect.DeepEqual(raw[0].Values, []float64{102, 103, 104}) || !raw[0].Times[0].Equal(at(30)) {
		t.Errorf("raw goroutines 30..60 s = %+v", raw)
	}
	none, _ := s.Series(Query{Target: "unknown", From: at(0), To: at(300)})
	if len(none) != 0 {
		t.Errorf("unknown target = %v", none)
	}
}

func TestLastFirstAndPrune(t *testing.T) {
	s, _ := openTemp(t)
	var records []Record
	for i := range 10 {
		records = append(records, Record{"a", Sample{at(i), map[string]float64{"goroutines": float64(i)}}}, Record{"b", Sample{at(i), map[string]float64{"goroutines": float64(i)}}})
	}
	must(t, s.Append(records[:len(records)-1]))
	last, _ := s.Last("a", 3)
	if len(last) != 3 || last[0].Values["goroutines"] != 7 || last[2].Values["goroutines"] != 9 {
		t.Errorf("last 3 = %v", last)
	}
	if first, ok, _ := s.First("a"); !ok || !first.Equal(at(0)) {
		t.Errorf("first = %v %v", first, ok)
	}
	removed, err := s.Prune(at(5))
	if err != nil || removed != 10 {
		t.Fatalf("pruned %d, %v", removed, err)
	}
	if first, _, _ := s.First("a"); !first.Equal(at(5)) {
		t.Errorf("first after prune = %v", first)
	}
	removed, _ = s.Prune(at(9))
	if removed != 8 {
		t.Errorf("second prune removed %d", removed)
	}
	targets, _ := s.Targets()
	if !reflect.DeepEqual(targets, []string{"a"}) {
		t.Errorf("a target left without samples is kept: %v", targets)
	}
}

// A store pruned to its retention stops growing: freed pages are reused.
func TestPrunedStoreStaysBounded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := openWith(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const targets, perRound, retention = 10, 15, 600
	write := func(from, to int) {
		for i := from; i < to; i++ {
			var round []Record
			for tg := range targets {
				round = append(round, Record{string(rune('a' + tg)), Sample{at(i * perRound), map[string]float64{
					"up": 1, "goroutines": float64(1000 + i%300), "threads": 40, "rss_bytes": float64(200<<20 + i*4096),
				}}})
			}
			must(t, s.Append(round))
			if i%100 == 0 {
				if _, err := s.Prune(at((i - retention) * perRound)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	write(0, 2*retention)
	size1, _ := s.Size()
	write(2*retention, 5*retention)
	size2, _ := s.Size()
	if size2 > size1*5/4 {
		t.Errorf("the store grew from %d to %d bytes at a fixed retention", size1, size2)
	}
}

func TestOpenSharesOneDatabasePerPath(t *testing.T) {
	s1, path := openTemp(t)
	s2, err := Open(path)
	if err != nil {
		t.Fatalf("a second open of the same file in one process: %v", err)
	}
	must(t, s2.Append([]Record{{"a", Sample{at(0), map[string]float64{"up": 1}}}}))
	must(t, s2.Close())
	must(t, s2.Close())
	got, err := s1.Range("a", at(0), at(0))
	if err != nil || len(got) != 1 {
		t.Fatalf("the first handle after the second closed: %v %v", got, err)
	}
}

func TestUnreadableFileIsMovedAside(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.Contains(s.Recovered(), "moved to") {
		t.Errorf("recovered = %q", s.Recovered())
	}
	must(t, s.Append([]Record{{"a", Sample{at(0), map[string]float64{"up": 1}}}}))
	matches, _ := filepath.Glob(path + ".unreadable-*")
	if len(matches) != 1 {
		t.Errorf("files moved aside: %v", matches)
	}
}

func TestCorruptRowIsAnError(t *testing.T) {
	for _, row := range [][]byte{{0x80}, {0x03, 1, 2}, {0x02}} {
		if err := decodeRow(row, func(uint64, float64) {}); err == nil {
			t.Errorf("row %x decoded", row)
		}
	}
}

// testAggregation is how the recorder aggregates its figures.
func testAggregation(figure string) Aggregation {
	switch figure {
	case "up":
		return Min
	case "cpu_seconds_total":
		return Last
	}
	return Max
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A reader that starts while a writer commits new figures sees the values
// of the rows it reads, not rows without values.
func TestReadersSeeFiguresOfCommittedRows(t *testing.T) {
	s, err := openWith(filepath.Join(t.TempDir(), "history.db"), true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const rounds = 300
	done := make(chan error, 1)
	go func() {
		for i := range rounds {
			figure := "figure_" + strconv.Itoa(i)
			if err := s.Append([]Record{{"a", Sample{at(i), map[string]float64{figure: 1}}}}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for reading := true; reading; {
		select {
		case err := <-done:
			must(t, err)
			reading = false
		default:
		}
		last, err := s.Last("a", 1)
		must(t, err)
		if len(last) == 1 && len(last[0].Values) == 0 {
			t.Fatalf("a committed row read without its values at %v", last[0].At)
		}
	}
}
