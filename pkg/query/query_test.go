package query

import (
	"strings"
	"testing"
	"time"
)

func TestParseDefaultsAndFields(t *testing.T) {
	q, err := Parse([]byte(`{"refId":"A","datasource":{"type":"goscope-pprof-datasource","uid":"x"},"queryType":"goroutines","target":"api-1",
		"filter":{"states":["mutex"],"include":"myapp/","minWaitMinutes":2},"intervalMs":1000,"maxDataPoints":500}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if q.QueryType != TypeGoroutines || q.View != "count" || q.Target != "api-1" || q.Filter.States[0] != "mutex" || q.Filter.MinWaitMinutes != 2 {
		t.Errorf("parsed %+v", q)
	}
}

func TestTopLevelQueryTypeWins(t *testing.T) {
	q, err := Parse([]byte(`{"queryType":"metrics"}`), "profile")
	if err != nil {
		t.Fatal(err)
	}
	if q.QueryType != TypeProfile || q.View != "flamegraph" {
		t.Errorf("parsed %+v", q)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		`[1,2]`:               "not a JSON object",
		`{}`:                  "has no queryType",
		`{"queryType":"sql"}`: `unknown queryType "sql"`,
		`{"queryType":"metrics","url":"http://x"}`:                  `carries "url"`,
		`{"queryType":"metrics","target":"http://x/"}`:              "cannot carry a URL",
		`{"queryType":"goroutines","view":"pie"}`:                   `unknown view "pie" for a goroutines query`,
		`{"queryType":"goroutines","target":7}`:                     "malformed",
		`{"queryType":"profile","target":"a","dump":"b"}`:           "both a target and a dump",
		`{"queryType":"goroutines","filter":{"minWaitMinutes":-1}}`: "cannot be negative",
		`{"queryType":"goroutines","snapshot":"0"}`:                 "numbered from 1",
		`{"queryType":"goroutines","snapshot":"last tuesday"}`:      "use a position from 1, a capture time",
	}
	for raw, want := range cases {
		_, err := Parse([]byte(raw), "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v; want %q", raw, err, want)
		}
	}
}

func TestParseSnapshotChoice(t *testing.T) {
	cases := map[string]SnapshotChoice{
		"":                            {},
		"newest":                      {},
		" 3 ":                         {Index: 3},
		"2026-12-01T10:00:00Z":        {At: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)},
		"2026-12-01T11:00:00.5+01:00": {At: time.Date(2026, 12, 1, 10, 0, 0, 5e8, time.UTC)},
	}
	for in, want := range cases {
		got, err := ParseSnapshotChoice(in)
		if err != nil || got.Index != want.Index || !got.At.Equal(want.At) {
			t.Errorf("ParseSnapshotChoice(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
}
