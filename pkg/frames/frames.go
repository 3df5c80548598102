// Package frames turns analysis results into Grafana data frames: numbers and
// time series in the data plane conventions (so alert rules and server-side
// expressions can use them), tables with full stacks, and flame graphs in the
// nested-set layout Grafana's flame graph panel reads.
package frames

import (
	"maps"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Origin says where a snapshot came from: a configured target or a dump, its
// labels, and when it was captured. Every frame built from the snapshot
// carries the origin as labels so several targets can share one panel.
type Origin struct {
	// Name is the target name or the dump's display name.
	Name string
	// Kind is "target" or "dump".
	Kind string
	// Labels are the target's configured labels (or a dump's source).
	Labels map[string]string
	// CapturedAt is when the snapshot was taken.
	CapturedAt time.Time
}

// FieldLabels returns the labels to put on value fields: the origin's labels
// plus its name under the key of its kind.
func (o Origin) FieldLabels() data.Labels {
	l := make(data.Labels, len(o.Labels)+1)
	maps.Copy(l, o.Labels)
	kind := o.Kind
	if kind == "" {
		kind = "target"
	}
	l[kind] = o.Name
	return l
}

// FieldLabelsWith returns FieldLabels plus extra key/value pairs.
func (o Origin) FieldLabelsWith(kv ...string) data.Labels {
	l := o.FieldLabels()
	for i := 0; i+1 < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	return l
}

// AddNotice appends a notice to a frame's metadata, creating it if needed.
func AddNotice(f *data.Frame, severity data.NoticeSeverity, text string) {
	if f.Meta == nil {
		f.Meta = &data.FrameMeta{}
	}
	f.Meta.Notices = append(f.Meta.Notices, data.Notice{Severity: severity, Text: text})
}
