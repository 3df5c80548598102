package query

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// vocabularyJSON is the one list of query types, views, metrics, state
// categories, profile types, dump formats, defaults and query fields; the
// query editor imports the same file (src/queryModel.ts).
//
//go:embed vocabulary.json
var vocabularyJSON []byte

// Choice is one value a query field can take, with the words the editor
// shows for it.
type Choice struct {
	Value       string `json:"value"`
	Label       string `json:"label"`
	Description string `json:"description,omitempty"`
}

// QueryTypeInfo is a query type and its views, the default first.
type QueryTypeInfo struct {
	Choice
	Views []Choice `json:"views"`
}

// MetricInfo is a figure a metrics query reports.
type MetricInfo struct {
	Choice
	// Unit is Grafana's unit id for the figure.
	Unit string `json:"unit"`
	// NeedsMetricsURL is set for figures that nothing but a target's
	// Prometheus metrics page gives.
	NeedsMetricsURL bool `json:"needsMetricsUrl,omitempty"`
	// CategoryPrefix marks a family of figures of goroutine states over
	// time, one per state category: the family "goroutines_by_category"
	// selects every "goroutines_<category>", each also a metric of its own.
	// Families are recorded from full dumps, for the series view only.
	CategoryPrefix string `json:"categoryPrefix,omitempty"`
}

// ProfileTypeInfo is a profile a target can be asked for.
type ProfileTypeInfo struct {
	Choice
	// SampleTypes are those the Go runtime writes, the default first.
	SampleTypes []string `json:"sampleTypes"`
	// TakesSeconds marks profiles that run for a duration (CPU).
	TakesSeconds bool `json:"takesSeconds,omitempty"`
}

// Defaults are what a query gets for what it leaves out.
type Defaults struct {
	QueryType   Type   `json:"queryType"`
	ProfileType string `json:"profileType"`
	CPUSeconds  int    `json:"cpuSeconds"`
}

// VocabularyFile is the content of vocabulary.json.
type VocabularyFile struct {
	Comment         string            `json:"$comment"`
	QueryTypes      []QueryTypeInfo   `json:"queryTypes"`
	TraceKinds      []Choice          `json:"traceKinds"`
	Metrics         []MetricInfo      `json:"metrics"`
	StateCategories []Choice          `json:"stateCategories"`
	ProfileTypes    []ProfileTypeInfo `json:"profileTypes"`
	DumpFormats     []Choice          `json:"dumpFormats"`
	Defaults        Defaults          `json:"defaults"`
	// Fields lists the JSON keys of each object of the query: "query",
	// "filter", "profile" and "baseline".
	Fields map[string][]string `json:"fields"`
}

// Vocabulary is the parsed vocabulary.json.
var Vocabulary = mustLoadVocabulary(vocabularyJSON)

// Types lists the query types this version answers.
var Types = func() []Type {
	out := make([]Type, len(Vocabulary.QueryTypes))
	for i, qt := range Vocabulary.QueryTypes {
		out[i] = Type(qt.Value)
	}
	return out
}()

// Views lists each query type's views, the default first.
var Views = func() map[Type][]string {
	out := map[Type][]string{}
	for _, qt := range Vocabulary.QueryTypes {
		out[Type(qt.Value)] = values(qt.Views)
	}
	return out
}()

// ProfileTypeNames lists the profile types a profile query accepts.
func ProfileTypeNames() []string {
	out := make([]string, len(Vocabulary.ProfileTypes))
	for i, p := range Vocabulary.ProfileTypes {
		out[i] = p.Value
	}
	return out
}

// Metric returns what the vocabulary says of a metric.
func Metric(name string) (MetricInfo, bool) {
	i := slices.IndexFunc(Vocabulary.Metrics, func(m MetricInfo) bool { return m.Value == name })
	if i < 0 {
		return MetricInfo{}, false
	}
	return Vocabulary.Metrics[i], true
}

// StateFigure reads a figure of a family of goroutine states over time,
// such as "goroutines_lock": its family and its state category.
func StateFigure(name string) (family MetricInfo, category string, ok bool) {
	for _, m := range Vocabulary.Metrics {
		if m.CategoryPrefix == "" {
			continue
		}
		if c, found := strings.CutPrefix(name, m.CategoryPrefix); found && slices.Contains(values(Vocabulary.StateCategories), c) {
			return m, c, true
		}
	}
	return MetricInfo{}, "", false
}

// MetricNames lists the metrics in vocabulary order.
func MetricNames() []string {
	out := make([]string, len(Vocabulary.Metrics))
	for i, m := range Vocabulary.Metrics {
		out[i] = m.Value
	}
	return out
}

func values(cs []Choice) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Value
	}
	return out
}

// mustLoadVocabulary parses the embedded file; it is part of the build, so
// a malformed one is a programming error that every test run catches.
func mustLoadVocabulary(raw []byte) VocabularyFile {
	var v VocabularyFile
	if err := json.Unmarshal(raw, &v); err != nil {
		panic(fmt.Sprintf("pkg/query/vocabulary.json: %v", err))
	}
	for _, qt := range v.QueryTypes {
		if len(qt.Views) == 0 {
			panic(fmt.Sprintf("pkg/query/vocabulary.json: query type %q has no views", qt.Value))
		}
	}
	return v
}
