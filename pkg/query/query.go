// Package query defines the JSON a panel, Explore or an alert rule sends to
// the data source, and checks it before any work is done, so a malformed or
// unknown query gets one clear error of its own.
package query

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Type is what a query asks for. The types and their views are listed in
// vocabulary.json.
type Type string

// The query types the plugin dispatches on.
const (
	TypeMetrics    Type = "metrics"
	TypeGoroutines Type = "goroutines"
	TypeProfile    Type = "profile"
	TypeDumps      Type = "dumps"
	TypeTrace      Type = "trace"
)

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
	// Total, false, leaves the total (category "all") out of a count view
	// with PerCategory: a panel of the categories alone. Unset keeps it.
	Total *bool `json:"total,omitempty"`

	// Snapshot picks one snapshot of a dump that holds several (a log of
	// several crashes): its position in the file, from 1, or a capture
	// time (RFC 3339), which picks the newest snapshot captured at or
	// before it. Empty picks the newest (within the time range, for a
	// dump source).
	Snapshot string `json:"snapshot,omitempty"`

	Filter  GoroutineFilter `json:"filter"`
	Profile ProfileOptions  `json:"profile"`

	// Baseline is what the growth view compares the source with; the
	// snapshot before it in the same source when not set.
	Baseline *Source      `json:"baseline,omitempty"`
	Trace    TraceOptions `json:"trace"`
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

// TraceKinds are the blocking kinds of a trace query, the default first.
var TraceKinds = values(Vocabulary.TraceKinds)

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
	// LockedToThread keeps goroutines locked to their OS thread
	// (runtime.LockOSThread), each of which holds a thread while it waits.
	LockedToThread bool `json:"lockedToThread,omitempty"`
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
	// Previous is the snapshot of the same source captured before the
	// compared one (outside its capture bundle).
	Previous bool `json:"previous,omitempty"`
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
	if err := q.checkChosenSource(keys); err != nil {
		return nil, err
	}
	return &q, nil
}

// checkChosenSource refuses a query that names a dump or a dump source and
// leaves it empty, as a dashboard variable with nothing chosen does: the
// panel reads a dump, and answering with the targets' live data under a
// dump's heading would mislead.
func (q *Query) checkChosenSource(keys map[string]json.RawMessage) error {
	if q.QueryType != TypeGoroutines && q.QueryType != TypeProfile && q.QueryType != TypeTrace {
		return nil
	}
	if _, named := keys["dump"]; named && q.Dump == "" {
		return errors.New("no dump is chosen: pick one in the dashboard's Dump variable, or in the query editor")
	}
	if _, named := keys["dumpSource"]; named && q.Dump == "" && q.DumpSource == "" {
		return errors.New("no dump source is chosen: pick one in the dashboard's Source variable, or in the query editor")
	}
	return nil
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
	if _, ok := Metric(q.Metric); q.Metric != "" && !ok && !isStateFigure(q.Metric) {
		return fmt.Errorf("unknown metric %q; use one of %s", q.Metric, list(MetricNames()))
	}
	if q.Filter.MinWaitMinutes < 0 {
		return fmt.Errorf("minWaitMinutes cannot be negative")
	}
	if q.Profile.Seconds < 0 || q.Profile.MaxNodes < 0 || q.Trace.Seconds < 0 || q.Trace.Goroutines < 0 {
		return fmt.Errorf("seconds, maxNodes and goroutines cannot be negative")
	}
	if q.Total != nil && !*q.Total && !q.PerCategory {
		return fmt.Errorf("total: false leaves nothing to count; add perCategory to count per state category")
	}
	if q.Trace.Kind != "" && !slices.Contains(TraceKinds, q.Trace.Kind) {
		return fmt.Errorf("unknown trace kind %q; use one of %s", q.Trace.Kind, list(TraceKinds))
	}
	if _, err := ParseSnapshotChoice(q.Snapshot); err != nil {
		return err
	}
	return nil
}

func isStateFigure(name string) bool {
	_, _, ok := StateFigure(name)
	return ok
}

// SnapshotChoice returns the query's snapshot choice, checked by Parse.
func (q *Query) SnapshotChoice() SnapshotChoice {
	c, _ := ParseSnapshotChoice(q.Snapshot)
	return c
}

// SnapshotChoice is a parsed Query.Snapshot; the zero value picks the
// newest snapshot.
type SnapshotChoice struct {
	// Index is a position in the file, from 1; 0 when not chosen by
	// position.
	Index int
	// At picks the newest snapshot captured at or before it; zero when not
	// chosen by time.
	At time.Time
}

// ParseSnapshotChoice reads "", "newest", a position from 1 or an RFC 3339
// time.
func ParseSnapshotChoice(s string) (SnapshotChoice, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "newest" {
		return SnapshotChoice{}, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 {
			return SnapshotChoice{}, fmt.Errorf("snapshot %d: snapshots are numbered from 1", n)
		}
		return SnapshotChoice{Index: n}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return SnapshotChoice{At: t}, nil
	}
	return SnapshotChoice{}, fmt.Errorf("snapshot %q: use a position from 1, a capture time such as 2026-12-01T10:00:00Z, or leave it empty for the newest", s)
}

func list[T ~string](items []T) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = fmt.Sprintf("%q", it)
	}
	return strings.Join(s, ", ")
}
