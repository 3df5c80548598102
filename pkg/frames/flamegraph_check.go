package frames

import (
	"errors"
	"fmt"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// CheckFlameGraph verifies every structural rule of a flame graph frame and
// returns the violations found:
//
//   - meta.preferredVisualisationType is "flamegraph";
//   - fields level, value and self are int64, label is a string or an enum
//     field (with its enum texts), and valueRight and selfRight are both
//     present or both absent;
//   - the value field's config carries a unit;
//   - there is exactly one root, at level 0, in the first row, and every
//     other row is at most one level deeper than the row before it (so the
//     rows are a pre-order walk and each subtree is contiguous);
//   - value(node) = self(node) + Σ value(children), for both sides of a
//     diff;
//   - no value, self, valueRight or selfRight is negative, and the meta's
//     total and totalRight, when present, are the root's value and
//     valueRight (see checkFlameGraphValues);
//   - siblings are in strictly increasing label order.
func CheckFlameGraph(f *data.Frame) error {
	c, err := readFlameGraph(f)
	if err != nil {
		return err
	}
	var errs []error
	report := func(format string, args ...any) {
		if len(errs) < 20 {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	if f.Meta == nil || f.Meta.PreferredVisualization != data.VisTypeFlameGraph {
		report("meta.preferredVisualisationType is not %q", data.VisTypeFlameGraph)
	}
	if cfg := f.Fields[c.valueIndex].Config; cfg == nil || cfg.Unit == "" {
		report("the value field has no unit")
	}
	n := len(c.level)
	if n == 0 {
		return errors.Join(append(errs, errors.New("the frame has no rows"))...)
	}
	if c.level[0] != 0 {
		report("row 0 is at level %d, not 0", c.level[0])
	}
	// path[d] is the row of the open node at depth d; childSum[r] adds up
	// the values of row r's children, lastChild[r] the label of the last.
	path := []int{0}
	childSum := make([][2]int64, n)
	lastChild := make([]string, n)
	hasChild := make([]bool, n)
	for i := 1; i < n; i++ {
		lv := c.level[i]
		switch {
		case lv == 0:
			report("row %d is a second root", i)
			continue
		case lv < 0 || int(lv) > len(path):
			report("row %d jumps from level %d to %d", i, c.level[i-1], lv)
			continue
		}
		path = path[:lv]
		parent := path[lv-1]
		childSum[parent][0] += c.value[i]
		childSum[parent][1] += c.right(c.valueRight, i)
		if hasChild[parent] && c.label(i) <= lastChild[parent] {
			report("row %d (%q) is not after its sibling %q in label order", i, c.label(i), lastChild[parent])
		}
		hasChild[parent], lastChild[parent] = true, c.label(i)
		path = append(path, i)
	}
	checkFlameGraphValues(f, c, report)
	for i := range n {
		if want := c.self[i] + childSum[i][0]; c.value[i] != want {
			report("row %d (%q): value %d != self %d + children %d", i, c.label(i), c.value[i], c.self[i], childSum[i][0])
		}
		if c.valueRight != nil {
			if want := c.right(c.selfRight, i) + childSum[i][1]; c.valueRight[i] != want {
				report("row %d (%q): valueRight %d != selfRight %d + children %d", i, c.label(i), c.valueRight[i], c.selfRight[i], childSum[i][1])
			}
		}
	}
	return errors.Join(errs...)
}

// checkFlameGraphValues checks the values against what Grafana's flame
// graph makes of them. It draws a node as wide as value + valueRight, so
// none may be negative. In a diff, value is the baseline alone and
// valueRight the comparison (see FlameGraphDiff): the meta's total and
// totalRight must be the root's value and valueRight, which a frame that
// summed both sides into value would break.
func checkFlameGraphValues(f *data.Frame, c *flameGraphColumns, report func(string, ...any)) {
	cols := []struct {
		name   string
		values []int64
	}{{FieldValue, c.value}, {FieldSelf, c.self}, {FieldValueRight, c.valueRight}, {FieldSelfRight, c.selfRight}}
	for _, col := range cols {
		for i, v := range col.values {
			if v < 0 {
				report("row %d (%q): %s %d is negative", i, c.label(i), col.name, v)
				break
			}
		}
	}
	if f.Meta == nil {
		return
	}
	custom, _ := f.Meta.Custom.(map[string]any)
	for key, root := range map[string][]int64{"total": c.value, "totalRight": c.valueRight} {
		field := map[string]string{"total": FieldValue, "totalRight": FieldValueRight}[key]
		meta, ok := custom[key]
		if !ok {
			continue
		}
		want, isNumber := metaNumber(meta)
		switch {
		case !isNumber:
			report("meta %s is %T, not a number", key, meta)
		case root == nil:
			report("meta has %s but the frame has no matching value field", key)
		case want != root[0]:
			report("meta %s is %d but the root's %s is %d", key, want, field, root[0])
		}
	}
}

// metaNumber reads a number of the frame's custom meta, as built (int64)
// or decoded from JSON (float64).
func metaNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// flameGraphColumns are a flame graph frame's fields, read.
type flameGraphColumns struct {
	level, value, self    []int64
	valueRight, selfRight []int64
	labels                []string
	enum                  []data.EnumItemIndex
	valueIndex            int
}

func (c *flameGraphColumns) label(i int) string {
	if c.enum != nil {
		return c.labels[c.enum[i]]
	}
	return c.labels[i]
}

func (c *flameGraphColumns) right(col []int64, i int) int64 {
	if col == nil {
		return 0
	}
	return col[i]
}

func readFlameGraph(f *data.Frame) (*flameGraphColumns, error) {
	if f == nil {
		return nil, errors.New("no frame")
	}
	c := &flameGraphColumns{}
	var errs []error
	ints := func(name string, required bool) []int64 {
		field, idx := f.FieldByName(name)
		if idx < 0 {
			if required {
				errs = append(errs, fmt.Errorf("field %q is missing", name))
			}
			return nil
		}
		if field.Type() != data.FieldTypeInt64 {
			errs = append(errs, fmt.Errorf("field %q is %s, not int64", name, field.Type()))
			return nil
		}
		out := make([]int64, field.Len())
		for i := range out {
			out[i] = field.At(i).(int64)
		}
		return out
	}
	c.level = ints(FieldLevel, true)
	c.value = ints(FieldValue, true)
	c.self = ints(FieldSelf, true)
	c.valueRight = ints(FieldValueRight, false)
	c.selfRight = ints(FieldSelfRight, false)
	_, c.valueIndex = f.FieldByName(FieldValue)
	if (c.valueRight == nil) != (c.selfRight == nil) {
		errs = append(errs, errors.New("valueRight and selfRight must be both present or both absent"))
	}
	if label, idx := f.FieldByName(FieldLabel); idx < 0 {
		errs = append(errs, fmt.Errorf("field %q is missing", FieldLabel))
	} else {
		switch label.Type() {
		case data.FieldTypeString:
			c.labels = make([]string, label.Len())
			for i := range c.labels {
				c.labels[i] = label.At(i).(string)
			}
		case data.FieldTypeEnum:
			if label.Config == nil || label.Config.TypeConfig == nil || label.Config.TypeConfig.Enum == nil {
				errs = append(errs, errors.New("the enum label field has no enum texts"))
				break
			}
			c.labels = label.Config.TypeConfig.Enum.Text
			c.enum = make([]data.EnumItemIndex, label.Len())
			for i := range c.enum {
				c.enum[i] = label.At(i).(data.EnumItemIndex)
				if int(c.enum[i]) >= len(c.labels) {
					errs = append(errs, fmt.Errorf("label %d of row %d has no enum text", c.enum[i], i))
					break
				}
			}
		default:
			errs = append(errs, fmt.Errorf("field %q is %s, not string or enum", FieldLabel, label.Type()))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	n := len(c.level)
	for _, col := range [][]int64{c.value, c.self, c.valueRight, c.selfRight} {
		if col != nil && len(col) != n {
			return nil, errors.New("fields have different lengths")
		}
	}
	if (c.enum != nil && len(c.enum) != n) || (c.enum == nil && len(c.labels) != n) {
		return nil, errors.New("fields have different lengths")
	}
	return c, nil
}
