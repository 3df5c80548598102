package frames

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/stackgroups"
)

// GoroutineStates returns a table with one row per goroutine state: state,
// category, count, share and minimum, median and maximum wait in minutes
// (empty when the snapshot has no wait times).
func GoroutineStates(o Origin, snap *goroutines.Snapshot, stats []stackgroups.StateStat) *data.Frame {
	known := snap != nil && snap.StatesKnown
	n := len(stats)
	states, categories := make([]string, n), make([]string, n)
	counts, shares := make([]int64, n), make([]float64, n)
	waitMin, waitMed, waitMax := make([]*float64, n), make([]*float64, n), make([]*float64, n)
	for i, s := range stats {
		states[i] = s.State
		if s.State == "" {
			states[i] = "unknown"
		}
		categories[i] = s.Category.Title()
		counts[i], shares[i] = int64(s.Count), s.Share
		waitMin[i] = waitValue(known, float64(s.WaitMin))
		waitMed[i] = waitValue(known, s.WaitMedian)
		waitMax[i] = waitValue(known, float64(s.WaitMax))
	}
	f := goroutineTable(o, "states",
		data.NewField("State", nil, states),
		data.NewField("Category", nil, categories),
		data.NewField("Goroutines", nil, counts),
		withFieldUnit(data.NewField("Share", nil, shares), "percentunit"),
		withFieldUnit(data.NewField("Min wait", nil, waitMin), "m"),
		withFieldUnit(data.NewField("Median wait", nil, waitMed), "m"),
		withFieldUnit(data.NewField("Max wait", nil, waitMax), "m"),
	)
	addSnapshotNotices(f, snap)
	return f
}

// GoroutineGroups returns a table with one row per group of identical
// stacks, in the groups' order (the one to read first on top). The Stack
// column holds the whole stack as multi-line text, readable in a table cell
// or in Explore.
func GoroutineGroups(o Origin, snap *goroutines.Snapshot, groups []stackgroups.Group) *data.Frame {
	known := snap != nil && snap.StatesKnown
	n := len(groups)
	rank := make([]int64, n)
	counts := make([]int64, n)
	categories, states := make([]string, n), make([]string, n)
	waitMin, waitMax := make([]*float64, n), make([]*float64, n)
	functions, locations, packages, createdBy := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	flags, labels, ids, stacks := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, g := range groups {
		rank[i] = int64(i + 1)
		counts[i] = int64(g.Count)
		categories[i] = g.Category.Title()
		states[i] = groupStateText(g.States)
		waitMin[i] = waitValue(known, float64(g.WaitMin))
		waitMax[i] = waitValue(known, float64(g.WaitMax))
		functions[i] = g.UserFrame.Func
		locations[i] = frameLocation(g.UserFrame)
		packages[i] = g.Package
		createdBy[i] = g.CreatedBy
		flags[i] = groupFlags(g)
		labels[i] = labelSetsText(g.LabelSets)
		ids[i] = goroutineIDsText(g.IDs)
		if g.Stack != nil {
			stacks[i] = g.Stack.String()
		}
	}
	f := goroutineTable(o, "groups",
		data.NewField("Rank", nil, rank),
		data.NewField("Goroutines", nil, counts),
		data.NewField("Category", nil, categories),
		data.NewField("State", nil, states),
		withFieldUnit(data.NewField("Min wait", nil, waitMin), "m"),
		withFieldUnit(data.NewField("Max wait", nil, waitMax), "m"),
		data.NewField("Function", nil, functions),
		data.NewField("Location", nil, locations),
		data.NewField("Package", nil, packages),
		data.NewField("Created by", nil, createdBy),
		data.NewField("Flags", nil, flags),
		data.NewField("Labels", nil, labels),
		data.NewField("Goroutine IDs", nil, ids),
		data.NewField("Stack", nil, stacks),
	)
	addSnapshotNotices(f, snap)
	return f
}

// GoroutineLeaks returns a table of leak suspects: rank, score, the reasons
// for the score (one per line), count, state, longest wait, where they block
// and the stack.
func GoroutineLeaks(o Origin, snap *goroutines.Snapshot, suspects []stackgroups.Suspect) *data.Frame {
	known := snap != nil && snap.StatesKnown
	n := len(suspects)
	rank, counts := make([]int64, n), make([]int64, n)
	scores := make([]float64, n)
	waitMax := make([]*float64, n)
	reasons, states, functions, locations, createdBy, stacks := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, s := range suspects {
		g := s.Group
		rank[i], scores[i], counts[i] = int64(s.Rank), s.Score, int64(g.Count)
		reasons[i] = strings.Join(s.Reasons, "\n")
		states[i] = groupStateText(g.States)
		waitMax[i] = waitValue(known, float64(g.WaitMax))
		functions[i], locations[i], createdBy[i] = g.UserFrame.Func, frameLocation(g.UserFrame), g.CreatedBy
		if g.Stack != nil {
			stacks[i] = g.Stack.String()
		}
	}
	f := goroutineTable(o, "leaks",
		data.NewField("Rank", nil, rank),
		data.NewField("Score", nil, scores),
		data.NewField("Reasons", nil, reasons),
		data.NewField("Goroutines", nil, counts),
		data.NewField("State", nil, states),
		withFieldUnit(data.NewField("Max wait", nil, waitMax), "m"),
		data.NewField("Function", nil, functions),
		data.NewField("Location", nil, locations),
		data.NewField("Created by", nil, createdBy),
		data.NewField("Stack", nil, stacks),
	)
	if !known && n == 0 {
		AddNotice(f, data.NoticeSeverityInfo, "Leak suspects are scored from states and wait times, which this format does not carry.")
	}
	addSnapshotNotices(f, snap)
	return f
}

// GoroutineRaces returns the race detector reports of a snapshot as a
// table, each race in rows of its own: its two accesses (kind, address,
// goroutine, stack) and the creation of each goroutine involved (id,
// running or finished, where it was created), with the test it was
// reported in and the report's notes ("Location is global …").
func GoroutineRaces(o Origin, snap *goroutines.Snapshot) *data.Frame {
	race, goroutine := []int64{}, []int64{}
	test, event, address, status, stacks, detail := []string{}, []string{}, []string{}, []string{}, []string{}, []string{}
	add := func(i int, r goroutines.Race, ev, addr string, id int64, st string, stack *goroutines.Stack) {
		note := ""
		if len(race) == 0 || race[len(race)-1] != int64(i+1) {
			note = strings.Join(r.Notes, "\n")
		}
		race, test, event, address = append(race, int64(i+1)), append(test, r.Test), append(event, ev), append(address, addr)
		goroutine, status = append(goroutine, id), append(status, st)
		stacks, detail = append(stacks, optionalStackText(stack)), append(detail, note)
	}
	var races []goroutines.Race
	if snap != nil {
		races = snap.Races
	}
	for i, r := range races {
		for _, a := range r.Accesses {
			add(i, r, a.Kind, a.Address, a.Goroutine, accessorStatus(r, a.Goroutine), a.Stack)
		}
		for _, g := range r.Goroutines {
			add(i, r, fmt.Sprintf("Goroutine %d created at", g.ID), "", g.ID, g.Status, g.CreatedAt)
		}
	}
	f := goroutineTable(o, "races",
		data.NewField("Race", nil, race),
		data.NewField("Test", nil, test),
		data.NewField("Event", nil, event),
		data.NewField("Address", nil, address),
		data.NewField("Goroutine", nil, goroutine),
		data.NewField("Status", nil, status),
		data.NewField("Stack", nil, stacks),
		data.NewField("Detail", nil, detail),
	)
	if len(races) == 0 {
		AddNotice(f, data.NoticeSeverityInfo, "No data race report in this snapshot: race reports come from programs built or tested with -race.")
	} else {
		AddNotice(f, data.NoticeSeverityWarning, raceCount(len(races))+" reported by the race detector.")
	}
	return f
}

// accessorStatus is the status the report gives the goroutine that made an
// access: running or finished from its creation, "main goroutine" for the
// main goroutine, which has none.
func accessorStatus(r goroutines.Race, id int64) string {
	for _, g := range r.Goroutines {
		if g.ID == id {
			return g.Status
		}
	}
	if id == 1 {
		return "main goroutine"
	}
	return ""
}

func goroutineTable(o Origin, name string, fields ...*data.Field) *data.Frame {
	f := data.NewFrame(name, fields...)
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, PreferredVisualization: data.VisTypeTable}
	if o.Name != "" {
		f.Name = o.Name + " " + name
	}
	return f
}

func withFieldUnit(f *data.Field, unit string) *data.Field {
	f.Config = &data.FieldConfig{Unit: unit}
	return f
}

func waitValue(known bool, v float64) *float64 {
	if !known {
		return nil
	}
	return &v
}

func groupStateText(states []string) string {
	if len(states) == 1 && states[0] == "" {
		return "unknown"
	}
	return strings.Join(states, ", ")
}

func frameLocation(f goroutines.Frame) string {
	if f.File == "" {
		return ""
	}
	return f.File + ":" + strconv.Itoa(f.Line)
}

func optionalStackText(s *goroutines.Stack) string {
	if s == nil {
		return ""
	}
	return s.String()
}

func groupFlags(g stackgroups.Group) string {
	var parts []string
	if g.Crashed {
		parts = append(parts, "crashed here")
	}
	add := func(n int, what string) {
		switch {
		case n == 0:
		case n == g.Count:
			parts = append(parts, what)
		default:
			parts = append(parts, fmt.Sprintf("%s (%d)", what, n))
		}
	}
	add(g.LockedToThread, "locked to thread")
	add(g.Leaked, "leaked")
	add(g.Durable, "durable (synctest)")
	if g.System {
		parts = append(parts, "runtime")
	}
	return strings.Join(parts, ", ")
}

func labelSetsText(sets []stackgroups.LabelSet) string {
	parts := make([]string, 0, len(sets))
	for _, s := range sets {
		parts = append(parts, fmt.Sprintf("%s (%d)", s.Labels.String(), s.Count))
	}
	return strings.Join(parts, "; ")
}

// maxGoroutineIDs bounds the goroutine ids listed in a cell.
const maxGoroutineIDs = 20

func goroutineIDsText(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i == maxGoroutineIDs {
			fmt.Fprintf(&b, " … (%d in all)", len(ids))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}
