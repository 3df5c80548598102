package frames

import (
	"slices"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// Series is one labelled time series.
type Series struct {
	Name   string
	Labels data.Labels
	Times  []time.Time
	Values []float64
	// Null marks the values that are unknown (shown as gaps); nil when
	// every value is known.
	Null []bool
	// Unit is a Grafana unit id such as "short" or "bytes".
	Unit string
	// Description says where the values were read, shown beside them.
	Description string
}

// TimeSeriesMulti returns series in the data plane's time series multi
// format: one frame per series, a time field first and one value field
// carrying the labels, so graph panels, alert rules and recorded queries
// all read them alike.
func TimeSeriesMulti(series []Series) []*data.Frame {
	out := make([]*data.Frame, 0, len(series))
	for _, s := range series {
		value := data.NewField(s.Name, s.Labels, s.Values)
		if slices.Contains(s.Null, true) {
			nullable := make([]*float64, len(s.Values))
			for i := range s.Values {
				if !s.Null[i] {
					nullable[i] = &s.Values[i]
				}
			}
			value = data.NewField(s.Name, s.Labels, nullable)
		}
		value.Config = fieldConfig(s.Unit, s.Description)
		f := data.NewFrame(s.Name, data.NewField("time", nil, s.Times), value)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		out = append(out, f)
	}
	return out
}
