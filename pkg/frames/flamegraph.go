package frames

import (
	"fmt"
	"math"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/profiles"
)

// Flame graph field names, as Grafana's flame graph reads them.
const (
	FieldLevel      = "level"
	FieldValue      = "value"
	FieldSelf       = "self"
	FieldLabel      = "label"
	FieldValueRight = "valueRight"
	FieldSelfRight  = "selfRight"
)

// FlameGraph returns a call tree as the single frame Grafana's flame graph
// panel and Explore read: rows in nested-set order with level, value
// (inclusive), self (exclusive) and label fields, the unit in the value
// fields' config. Labels are an enum field, which the panel reads like a
// string field at a fraction of the size. The origin's labels are on the
// value field.
func FlameGraph(t *profiles.CallTree, origin Origin) *data.Frame {
	f := flameGraphFrame(t, origin.Name)
	f.Fields[1].Labels = origin.FieldLabels()
	if t.IsDiff() {
		f.Fields[4].Labels = origin.FieldLabels()
	}
	return f
}

// FlameGraphDiff returns a diff tree as one flame graph frame: the
// baseline's values alone in value and self, the comparison's in
// valueRight and selfRight. That is what Grafana's flame graph reads
// (@grafana/flamegraph 10.2 to 13.0, the panel's and Explore's): its
// nestedSetToLevels makes each node's width value + valueRight, and the
// tooltip, the top table and getBarColorByDiff take the baseline back as
// that width minus valueRight. Adding the comparison into value here would
// count it twice.
func FlameGraphDiff(t *profiles.CallTree, baseline, comparison Origin) *data.Frame {
	f := flameGraphFrame(t, baseline.Name+" vs "+comparison.Name)
	f.Fields[1].Labels = baseline.FieldLabels()
	if t.IsDiff() {
		f.Fields[4].Labels = comparison.FieldLabels()
	}
	return f
}

func flameGraphFrame(t *profiles.CallTree, name string) *data.Frame {
	unit := &data.FieldConfig{Unit: t.SampleType.GrafanaUnit()}
	value := data.NewField(FieldValue, nil, t.Value).SetConfig(unit)
	self := data.NewField(FieldSelf, nil, t.Self).SetConfig(&data.FieldConfig{Unit: unit.Unit})
	f := data.NewFrame(name,
		data.NewField(FieldLevel, nil, t.Level),
		value,
		self,
		flameGraphLabelField(t),
	)
	if t.IsDiff() {
		f.Fields = append(f.Fields,
			data.NewField(FieldValueRight, nil, t.ValueRight).SetConfig(&data.FieldConfig{Unit: unit.Unit}),
			data.NewField(FieldSelfRight, nil, t.SelfRight).SetConfig(&data.FieldConfig{Unit: unit.Unit}),
		)
	}
	custom := map[string]any{
		"sampleType": t.SampleType.Name,
		"unit":       t.SampleType.Unit,
		"total":      t.Total(),
		"nodes":      t.Len(),
		"truncated":  t.Truncated,
		"unrecorded": t.Unrecorded,
	}
	if t.IsDiff() {
		custom["totalRight"] = t.TotalRight()
		custom["unrecordedRight"] = t.UnrecordedRight
	}
	f.Meta = &data.FrameMeta{PreferredVisualization: data.VisTypeFlameGraph, Custom: custom}
	if t.IsDiff() {
		addStacklessNotice(f, t.SampleType, t.Unrecorded, t.Total(), "Baseline: ")
		addStacklessNotice(f, t.SampleType, t.UnrecordedRight, t.TotalRight(), "Comparison: ")
	} else {
		addStacklessNotice(f, t.SampleType, t.Unrecorded, t.Total(), "")
	}
	if t.Truncated {
		AddNotice(f, data.NoticeSeverityInfo, fmt.Sprintf(
			"Showing %d of %d nodes: smaller calls are merged into %q nodes, so totals stay exact. Raise the node limit to see more.",
			t.Len(), t.Nodes, profiles.Other))
	}
	return f
}

// flameGraphLabelField is an enum field over the tree's labels, or a string field
// when there are more labels than an enum index holds.
func flameGraphLabelField(t *profiles.CallTree) *data.Field {
	if len(t.Labels) > math.MaxUint16+1 {
		labels := make([]string, t.Len())
		for i := range labels {
			labels[i] = t.LabelOf(i)
		}
		return data.NewField(FieldLabel, nil, labels)
	}
	idx := make([]data.EnumItemIndex, t.Len())
	for i, l := range t.Label {
		idx[i] = data.EnumItemIndex(l)
	}
	return data.NewField(FieldLabel, nil, idx).SetConfig(&data.FieldConfig{
		TypeConfig: &data.FieldTypeConfig{Enum: &data.EnumFieldConfig{Text: t.Labels}},
	})
}
