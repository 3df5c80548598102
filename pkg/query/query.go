// Package query defines the JSON a panel, Explore or an alert rule sends to
// the data source, and checks it before any work is done, so a malformed or
// unknown query gets one clear error of its own.
package query

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Type is what a query asks for.
type Type string

const (
	TypeMetrics    Type = "metrics"
	TypeGoroutines Type = "goroutines"
	TypeProfile    Type = "profile"
	TypeDumps      Type = "dumps"
	TypeTrace      Type = "trace"
)

// Types lists the query types this version answers.
var Types = []Type{TypeMetrics, TypeGoroutines, TypeProfile, TypeDumps, TypeTrace}

// Query is one query of a request.
type Query struct {
	QueryType Type `json:"queryType"`
	// Target names configured targets: a name, "*", a regex or a
	// multi-value variable. Never a URL.
	Target string `json:"target,omitempty"`
	// Dump is a stored dump's id, instead of a target.
	Dump string `json:"dump,omitempty"`
	// DumpSource selects the snapshots of one dump source (an upload
	// group or a dump directory) for history over the time range.
	DumpSource string `json:"dumpSource,omitempty"`
	// View picks the shape of the result; each query type has its own.
	View string `json:"view,omitempty"`
	// Metric keeps one series of a metrics query (goroutines, threads,
	// up, ...); empty keeps them all. Alert rules name one.
	Metric string `json:"metric,omitempty"`

	// PerCategory adds one count per state category to the count view.
	PerCategory bool `json:"perCategory,omitempty"`

	Filter  GoroutineFilter `json:"filter"`
	Profile ProfileOptions  `json:"profile"`
	Trace   TraceOptions    `json:"trace"`
}

// TraceOptions shape a trace query.
type TraceOptions struct {
	// Seconds is how long a live target is traced (trace?seconds=N).
	Seconds int `json:"seconds,omitempty"`
	// Kind is the blocking kind of the blocking and top views: net, sync,
	// syscall, sched, or all (the default).
	Kind string `json:"kind,omitempty"`
	// PerGoroutine makes the goroutines view one row per goroutine
	// instead of per start function.
	PerGoroutine bool `json:"perGoroutine,omitempty"`
	// Goroutines is how many goroutines the timeline view (and the
	// goroutines view per goroutine) shows: those that waited longest.
	Goroutines int `json:"goroutines,omitempty"`
	// Reference is the go tool trace release blocking profiles agree
	// with: "writer" (the release that wrote the trace, the default) or
	// "latest".
	Reference string `json:"reference,omitempty"`
	// At lists instants (RFC 3339 with up to nanoseconds) at which the
	// states view counts goroutines per state exactly, instead of series.
	At []string `json:"at,omitempty"`
}

// TraceKinds are the blocking kinds of a trace query.
var TraceKinds = []string{"all", "net", "sync", "syscall", "sched"}

// GoroutineFilter narrows the goroutines a goroutines query looks at.
type GoroutineFilter struct {
	// Categories are state categories (see the README's taxonomy) or raw
	// wait reasons such as "chan receive".
	States []string `json:"states,omitempty"`
	// Include and Exclude are regular expressions over function, package
	// and file of every frame.
	Include string `json:"include,omitempty"`
	Exclude string `json:"exclude,omitempty"`
	// ExcludeCreatedBy hides goroutines created by matching functions,
	// e.g. long-lived workers that are normal.
	ExcludeCreatedBy string `json:"excludeCreatedBy,omitempty"`
	MinWaitMinutes   int    `json:"minWaitMinutes,omitempty"`
	HideRuntime      bool   `json:"hideRuntime,omitempty"`
}

// ProfileOptions shape a profile query.
type ProfileOptions struct {
	ProfileType string `json:"profileType,omitempty"`
	SampleType  string `json:"sampleType,omitempty"`
	Seconds     int    `json:"seconds,omitempty"`
	Focus       string `json:"focus,omitempty"`
	Ignore      string `json:"ignore,omitempty"`
	Hide        string `json:"hide,omitempty"`
	// LabelFilter keeps samples carrying every listed pprof label value.
	LabelFilter map[string]string `json:"labelFilter,omitempty"`
	GroupBy     string            `json:"groupBy,omitempty"`
	MaxNodes    int               `json:"maxNodes,omitempty"`
	ByLine      bool              `json:"byLine,omitempty"`
	// NodeFraction leaves out of top tables the rows whose cum is under
	// this fraction of the total; unset means pprof's 0.005, 0 keeps all.
	NodeFraction *float64 `json:"nodeFraction,omitempty"`
	// Baseline, when set, turns the flame graph into a diff against it.
	Baseline *Source `json:"baseline,omitempty"`
}

// Source is a target or a dump, for a diff's baseline.
type Source struct {
	Target string `json:"target,omitempty"`
	Dump   string `json:"dump,omitempty"`
}

// forbiddenKeys would let a viewer point Grafana's server at an address of
// their choosing; they are refused outright rather than ignored, so nobody
// believes they took effect.
var forbiddenKeys = []string{"url", "baseUrl", "baseURL", "endpoint", "host", "address", "metricsUrl"}

// Parse decodes and checks one query's JSON. queryType is the top-level
// query type Grafana sends beside the JSON; it wins when both are set.
func Parse(raw json.RawMessage, queryType string) (*Query, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return nil, fmt.Errorf("the query is not a JSON object: %v", err)
	}
	for _, k := range forbiddenKeys {
		if _, ok := keys[k]; ok {
			return nil, fmt.Errorf("the query carries %q: queries cannot carry addresses; they name targets configured in the data source settings", k)
		}
	}
	var q Query
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, fmt.Errorf("the query is malformed: %v", err)
	}
	if queryType != "" {
		q.QueryType = Type(queryType)
	}
	if err := q.validate(); err != nil {
		return nil, err
	}
	return &q, nil
}

func (q *Query) validate() error {
	if q.QueryType == "" {
		return fmt.Errorf("the query has no queryType; use one of %s", list(Types))
	}
	if !slices.Contains(Types, q.QueryType) {
		return fmt.Errorf("unknown queryType %q; use one of %s", q.QueryType, list(Types))
	}
	if strings.Contains(q.Target, "://") {
		return fmt.Errorf("a query cannot carry a URL (%q); it names a target configured in the data source settings", q.Target)
	}
	if q.Target != "" && q.Dump != "" {
		return fmt.Errorf("the query names both a target and a dump; choose one")
	}
	views := Views[q.QueryType]
	if q.View == "" {
		q.View = views[0]
	} else if !slices.Contains(views, q.View) {
		return fmt.Errorf("unknown view %q for a %s query; use one of %s", q.View, q.QueryType, list(views))
	}
	if q.Filter.MinWaitMinutes < 0 {
		return fmt.Errorf("minWaitMinutes cannot be negative")
	}
	if q.Profile.Seconds < 0 || q.Profile.MaxNodes < 0 || q.Trace.Seconds < 0 || q.Trace.Goroutines < 0 {
		return fmt.Errorf("seconds, maxNodes and goroutines cannot be negative")
	}
	if q.Trace.Kind != "" && !slices.Contains(TraceKinds, q.Trace.Kind) {
		return fmt.Errorf("unknown trace kind %q; use one of %s", q.Trace.Kind, list(TraceKinds))
	}
	return nil
}

// Views lists each query type's views, the default first.
var Views = map[Type][]string{
	TypeMetrics:    {"current", "series"},
	TypeGoroutines: {"count", "states", "groups", "timeline", "leaks", "races"},
	TypeProfile:    {"flamegraph", "top", "labels"},
	TypeDumps:      {"list", "history", "annotations"},
	TypeTrace:      {"states", "blocking", "top", "goroutines", "timeline", "regions", "tasks", "gc", "metrics"},
}

func list[T ~string](items []T) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = fmt.Sprintf("%q", it)
	}
	return strings.Join(s, ", ")
}
