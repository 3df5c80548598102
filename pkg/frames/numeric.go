package frames

import "github.com/grafana/grafana-plugin-sdk-go/data"

// Number is one labelled value of a numeric result.
type Number struct {
	Name   string
	Labels data.Labels
	Value  float64
	// Unit is a Grafana unit id such as "short", "bytes" or "none".
	Unit string
	// Description says where the number was read, shown beside it.
	Description string
}

// NumericMulti returns numbers in the data plane's numeric multi format:
// one frame per number, each with a single one-row value field carrying the
// labels. Grafana alert rules and server-side expressions read each frame
// as one labelled number.
func NumericMulti(numbers []Number) []*data.Frame {
	out := make([]*data.Frame, 0, len(numbers))
	for _, n := range numbers {
		field := data.NewField(n.Name, n.Labels, []float64{n.Value})
		field.Config = fieldConfig(n.Unit, n.Description)
		f := data.NewFrame(n.Name, field)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		out = append(out, f)
	}
	return out
}

// fieldConfig is a value field's unit and description, or nil when it has
// neither.
func fieldConfig(unit, description string) *data.FieldConfig {
	if unit == "" && description == "" {
		return nil
	}
	return &data.FieldConfig{Unit: unit, Description: description}
}
