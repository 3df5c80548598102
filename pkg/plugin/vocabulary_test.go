package plugin

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/profiles"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/waitstates"
)

// The query vocabulary (pkg/query/vocabulary.json) is what the editor
// offers; these tests hold it to what the backend does.

// viewSources are, per query type, the JSON that points a query at real
// data: a target, an uploaded goroutine dump, an uploaded labelled
// goroutine profile, the uploads, an uploaded execution trace.
func viewSources(t *testing.T) (*Datasource, map[query.Type]string) {
	d := newInstance(t, metricsTarget(t))
	dump := upload(t, d, "incident.txt", readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz")).ID
	prof := upload(t, d, "goroutine.pb.gz", readFile(t, profilesDir+"goroutine.pb.gz")).ID
	trace := upload(t, d, "trace.out", readFile(t, tracesDir+"go1.26/trace.out")).ID
	return d, map[query.Type]string{
		query.TypeMetrics:    `"target":"svc"`,
		query.TypeGoroutines: fmt.Sprintf(`"dump":%q`, dump),
		query.TypeProfile:    fmt.Sprintf(`"dump":%q,"profile":{"groupBy":"handler"}`, prof),
		query.TypeDumps:      `"dumpSource":"upload"`,
		query.TypeTrace:      fmt.Sprintf(`"dump":%q`, trace),
	}
}

// Every view the vocabulary lists is answered: a query of each type and
// view, on real data, gets frames and no error.
func TestEveryVocabularyViewIsAnswered(t *testing.T) {
	d, sources := viewSources(t)
	for _, qt := range query.Vocabulary.QueryTypes {
		source, ok := sources[query.Type(qt.Value)]
		if !ok {
			t.Errorf("query type %q has no case in this test", qt.Value)
			continue
		}
		for _, v := range qt.Views {
			js := fmt.Sprintf(`{"queryType":%q,"view":%q,%s}`, qt.Value, v.Value, source)
			r := runQuery(t, d, js)
			if r.Error != nil || len(r.Frames) == 0 {
				t.Errorf("%s: %d frames, error %v", js, len(r.Frames), r.Error)
			}
		}
	}
}

// The code of each query type refuses a view it does not know, so a view
// added to the vocabulary and not to the code fails the test above instead
// of quietly answering with another view.
func TestDispatchRefusesUnknownViews(t *testing.T) {
	d, sources := viewSources(t)
	for typ, source := range sources {
		q, err := query.Parse([]byte(fmt.Sprintf(`{"queryType":%q,%s}`, typ, source)), "")
		if err != nil {
			t.Fatal(err)
		}
		q.View = "bogus"
		r := d.dispatch(context.Background(), q, backend.DataQuery{TimeRange: backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now()}})
		if r.Error == nil || !strings.Contains(r.Error.Error(), `unknown view "bogus"`) {
			t.Errorf("%s: error = %v", typ, r.Error)
		}
	}
}

func TestVocabularyStateCategoriesAreTheTaxonomy(t *testing.T) {
	var want []query.Choice
	for _, c := range waitstates.Categories() {
		want = append(want, query.Choice{Value: c.String(), Label: c.Title()})
	}
	if got := query.Vocabulary.StateCategories; !slices.Equal(got, want) {
		t.Errorf("vocabulary state categories %v; pkg/waitstates has %v", got, want)
	}
}

func TestVocabularyDumpFormatsAreTheDetectedOnes(t *testing.T) {
	var got, want []string
	for _, f := range query.Vocabulary.DumpFormats {
		got = append(got, f.Value)
	}
	for _, f := range dumpformat.All() {
		want = append(want, string(f))
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("vocabulary dump formats %v; pkg/dumpformat detects %v", got, want)
	}
}

// The metrics are what the metrics query reports: the figures of a target
// with a metrics URL, and no others.
func TestVocabularyMetricsAreTheFiguresRead(t *testing.T) {
	d := newInstance(t, metricsTarget(t))
	got := map[string]bool{}
	for name := range numbers(t, runQuery(t, d, `{"queryType":"metrics","target":"svc"}`).Frames) {
		got[name[:strings.IndexByte(name, '{')]] = true
	}
	var want []string
	for _, m := range query.Vocabulary.Metrics {
		if m.CategoryPrefix == "" {
			want = append(want, m.Value)
		}
	}
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("the metrics query reports %v; the vocabulary lists %v", slices.Sorted(maps.Keys(got)), want)
	}
}

// The families of state figures are the figures the recorder stores from
// its full dumps.
func TestVocabularyStateFamiliesAreTheRecordedFigures(t *testing.T) {
	var prefixes []string
	for _, m := range query.Vocabulary.Metrics {
		if m.CategoryPrefix != "" {
			prefixes = append(prefixes, m.CategoryPrefix)
		}
	}
	snap, err := goroutines.Parse(readMaybeGzip(t, scenario+"goroutine.debug2.txt.gz"), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	figures, err := stateFigures(snap)
	if err != nil {
		t.Fatal(err)
	}
	for figure := range figures {
		if family, _, ok := query.StateFigure(figure); !ok || !slices.Contains(prefixes, family.CategoryPrefix) {
			t.Errorf("the recorder stores %s, which no family of the vocabulary names", figure)
		}
	}
	for _, p := range prefixes {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(figures)), func(f string) bool { return strings.HasPrefix(f, p) }) {
			t.Errorf("the vocabulary's family %s* is not recorded", p)
		}
	}
}

// Each profile type lists the sample types real profiles of that type
// carry, the one the backend shows by default first.
func TestVocabularyProfileTypesAreTheRuntimeProfiles(t *testing.T) {
	if got, want := query.ProfileTypeNames(), profileTypes; !slices.Equal(got, want) {
		t.Errorf("profile types %v; the profile query accepts %v", got, want)
	}
	for _, pt := range query.Vocabulary.ProfileTypes {
		p, err := profile.ParseData(readFile(t, profilesDir+pt.Value+".pb.gz"))
		if err != nil {
			t.Fatal(err)
		}
		var real []string
		for _, st := range p.SampleType {
			real = append(real, st.Type)
		}
		if !slices.Equal(slices.Sorted(slices.Values(pt.SampleTypes)), slices.Sorted(slices.Values(real))) {
			t.Errorf("%s: vocabulary sample types %v; a real profile has %v", pt.Value, pt.SampleTypes, real)
		}
		if def := profiles.DefaultSampleType(pt.Value, p); pt.SampleTypes[0] != def {
			t.Errorf("%s: the vocabulary lists %q first; the backend's default is %q", pt.Value, pt.SampleTypes[0], def)
		}
		if pt.TakesSeconds != (pt.Value == "cpu") {
			t.Errorf("%s: takesSeconds %v", pt.Value, pt.TakesSeconds)
		}
	}
}
