package frames

import (
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/stackgroups"
)

// GoroutineGrowth returns "what grew" between two snapshots of one
// source: a table of groups with their count before and after and the
// growth, largest first, and, when both snapshots carry states, a table
// of the same per category. Notices name the two snapshots compared.
func GoroutineGrowth(before, after Origin, g stackgroups.Growth) []*data.Frame {
	n := len(g.Groups)
	growth, was, now := make([]int64, n), make([]int64, n), make([]int64, n)
	categories, states, functions, locations, createdBy, stacks := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, gg := range g.Groups {
		growth[i], was[i], now[i] = int64(gg.Delta()), int64(gg.Before), int64(gg.After)
		categories[i] = gg.Category.Title()
		states[i] = groupStateText(gg.States)
		functions[i], locations[i], createdBy[i] = gg.UserFrame.Func, frameLocation(gg.UserFrame), gg.CreatedBy
		if gg.Stack != nil {
			stacks[i] = gg.Stack.String()
		}
	}
	groups := goroutineTable(after, "growth",
		data.NewField("Growth", nil, growth),
		data.NewField("Before", nil, was),
		data.NewField("After", nil, now),
		data.NewField("Category", nil, categories),
		data.NewField("State", nil, states),
		data.NewField("Function", nil, functions),
		data.NewField("Location", nil, locations),
		data.NewField("Created by", nil, createdBy),
		data.NewField("Stack", nil, stacks),
	)
	AddNotice(groups, data.NoticeSeverityInfo, fmt.Sprintf("%s → %s: %d → %d goroutines (%+d)",
		snapshotName(before), snapshotName(after), g.Before, g.After, g.After-g.Before))
	if !g.Exact {
		AddNotice(groups, data.NoticeSeverityWarning, "One snapshot carries no goroutine states (a debug=1 summary or a protobuf profile), so groups are matched by their frames alone and categories are not compared.")
	}
	out := []*data.Frame{groups}
	if g.Categories != nil {
		m := len(g.Categories)
		names, cw, cb, ca := make([]string, m), make([]int64, m), make([]int64, m), make([]int64, m)
		for i, c := range g.Categories {
			names[i], cw[i], cb[i], ca[i] = c.Category.Title(), int64(c.Delta()), int64(c.Before), int64(c.After)
		}
		out = append(out, goroutineTable(after, "growth by category",
			data.NewField("Category", nil, names),
			data.NewField("Growth", nil, cw),
			data.NewField("Before", nil, cb),
			data.NewField("After", nil, ca),
		))
	}
	return out
}

// snapshotName is a snapshot's name and capture time.
func snapshotName(o Origin) string {
	if o.CapturedAt.IsZero() {
		return o.Name
	}
	return fmt.Sprintf("%s (%s)", o.Name, o.CapturedAt.UTC().Format(time.RFC3339))
}
