package query

import (
	"reflect"
	"slices"
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
		`{"queryType":"goroutines","view":"count","total":false}`:   "total: false leaves nothing to count",
		// An empty dashboard variable: the panel reads a dump, not the targets.
		`{"queryType":"goroutines","view":"groups","dump":""}`: "no dump is chosen: pick one in the dashboard's Dump variable",
		`{"queryType":"profile","dump":null,"target":"*"}`:     "no dump is chosen",
		`{"queryType":"trace","dumpSource":""}`:                "no dump source is chosen",
	}
	for raw, want := range cases {
		_, err := Parse([]byte(raw), "")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v; want %q", raw, err, want)
		}
	}
}

// Only queries that read snapshots need one chosen: a dumps query without a
// source lists every source.
func TestEmptySourceOfADumpsQueryMeansAll(t *testing.T) {
	for _, raw := range []string{`{"queryType":"dumps","view":"list","dumpSource":""}`, `{"queryType":"metrics","dump":""}`} {
		if _, err := Parse([]byte(raw), ""); err != nil {
			t.Errorf("%s: %v", raw, err)
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

// The vocabulary lists the JSON keys of every object of a query, so the
// editor (src/types.ts, checked by src/vocabulary.test.ts) and the backend
// cannot drift apart: this test fails when a field is added to one of the
// Go structs and not to vocabulary.json, or the other way round.
func TestVocabularyFieldsAreTheStructs(t *testing.T) {
	structs := map[string]reflect.Type{
		"query":    reflect.TypeFor[Query](),
		"filter":   reflect.TypeFor[GoroutineFilter](),
		"profile":  reflect.TypeFor[ProfileOptions](),
		"baseline": reflect.TypeFor[Source](),
		"trace":    reflect.TypeFor[TraceOptions](),
	}
	for name, typ := range structs {
		if got, want := Vocabulary.Fields[name], jsonKeys(typ); !slices.Equal(got, want) {
			t.Errorf("vocabulary.json fields.%s = %q; %s has the JSON keys %q (add a new field to both, and to src/types.ts)", name, got, typ, want)
		}
	}
	for name := range Vocabulary.Fields {
		if structs[name] == nil {
			t.Errorf("vocabulary.json fields.%s names no query struct", name)
		}
	}
}

func jsonKeys(typ reflect.Type) []string {
	var keys []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

func TestVocabularyIsConsistent(t *testing.T) {
	v := Vocabulary
	unique := func(list string, cs []Choice) {
		seen := map[string]bool{}
		for _, c := range cs {
			if c.Value == "" || c.Label == "" || seen[c.Value] {
				t.Errorf("%s: %+v is empty, unlabelled or repeated", list, c)
			}
			seen[c.Value] = true
		}
	}
	var types, metrics, profiles []Choice
	for _, qt := range v.QueryTypes {
		types = append(types, qt.Choice)
		unique("views of "+qt.Value, qt.Views)
	}
	for _, m := range v.Metrics {
		metrics = append(metrics, m.Choice)
		if m.Unit == "" {
			t.Errorf("metric %s has no unit", m.Value)
		}
	}
	for _, p := range v.ProfileTypes {
		profiles = append(profiles, p.Choice)
		if len(p.SampleTypes) == 0 {
			t.Errorf("profile type %s lists no sample types", p.Value)
		}
	}
	unique("queryTypes", types)
	unique("metrics", metrics)
	unique("profileTypes", profiles)
	unique("stateCategories", v.StateCategories)
	unique("dumpFormats", v.DumpFormats)
	unique("traceKinds", v.TraceKinds)
	for _, typ := range []Type{TypeMetrics, TypeGoroutines, TypeProfile, TypeDumps, TypeTrace} {
		if !slices.Contains(Types, typ) {
			t.Errorf("query type %q is dispatched but not in the vocabulary", typ)
		}
	}
	if !slices.Contains(Types, v.Defaults.QueryType) || !slices.Contains(ProfileTypeNames(), v.Defaults.ProfileType) || v.Defaults.CPUSeconds <= 0 {
		t.Errorf("defaults %+v are not in the vocabulary's lists", v.Defaults)
	}
	for _, k := range forbiddenKeys {
		if slices.Contains(v.Fields["query"], k) {
			t.Errorf("query field %q is also refused as an address", k)
		}
	}
}
