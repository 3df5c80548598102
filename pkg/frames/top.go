package frames

import (
	"fmt"
	"strconv"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/profiles"
)

// Top returns a top table as a frame with the columns of `go tool pprof
// -top`: function (marked "(inline)" as pprof marks it), the source
// location when the table is by line, flat, flat %, sum %, cum and cum %.
// Values carry the sample type's unit; percentages are of the profile's
// total.
func Top(t *profiles.TopTable, origin Origin) *data.Frame {
	n := len(t.Rows)
	function := make([]string, n)
	location := make([]string, n)
	flat := make([]int64, n)
	cum := make([]int64, n)
	flatPct := make([]float64, n)
	sumPct := make([]float64, n)
	cumPct := make([]float64, n)
	var sum int64
	for i, r := range t.Rows {
		function[i] = r.Function
		if r.Function == "" {
			function[i] = r.Name
		}
		if r.Inline != "" {
			function[i] += " (" + r.Inline + ")"
		}
		if r.Line != 0 {
			location[i] = r.File + ":" + strconv.FormatInt(r.Line, 10)
		} else {
			location[i] = r.File
		}
		flat[i], cum[i] = r.Flat, r.Cum
		sum += r.Flat
		flatPct[i] = topPercent(r.Flat, t.Total)
		sumPct[i] = topPercent(sum, t.Total)
		cumPct[i] = topPercent(r.Cum, t.Total)
	}
	unit := t.SampleType.GrafanaUnit()
	percent := func(name string, v []float64) *data.Field {
		return data.NewField(name, nil, v).SetConfig(&data.FieldConfig{Unit: "percent", Decimals: topDecimals(2)})
	}
	fields := []*data.Field{data.NewField("function", nil, function)}
	if t.ByLine {
		fields = append(fields, data.NewField("location", nil, location))
	}
	fields = append(fields,
		data.NewField("flat", origin.FieldLabels(), flat).SetConfig(&data.FieldConfig{Unit: unit}),
		percent("flat %", flatPct),
		percent("sum %", sumPct),
		data.NewField("cum", origin.FieldLabels(), cum).SetConfig(&data.FieldConfig{Unit: unit}),
		percent("cum %", cumPct),
	)
	f := data.NewFrame("top", fields...)
	if origin.Name != "" {
		f.Name = origin.Name
	}
	f.Meta = &data.FrameMeta{
		PreferredVisualization: data.VisTypeTable,
		Custom: map[string]any{
			"sampleType":   t.SampleType.Name,
			"unit":         t.SampleType.Unit,
			"total":        t.Total,
			"shown":        t.Shown(),
			"droppedNodes": t.DroppedNodes,
			"nodeFraction": t.NodeFraction,
			"nodeCutoff":   t.NodeCutoff,
			"unrecorded":   t.Unrecorded,
		},
	}
	if t.DroppedNodes > 0 {
		AddNotice(f, data.NoticeSeverityInfo, fmt.Sprintf(
			"Showing %d rows: %d more, each with a cum under %s (%g%% of the total), are left out as go tool pprof -top leaves them out. Set the node fraction to 0 to list every row.",
			n, t.DroppedNodes, humanValue(t.NodeCutoff, t.SampleType.Unit), 100*t.NodeFraction))
	}
	addStacklessNotice(f, t.SampleType, t.Unrecorded, t.Total, "")
	return f
}

func topPercent(v, total int64) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(v) / float64(total)
}

func topDecimals(n uint16) *uint16 { return &n }
