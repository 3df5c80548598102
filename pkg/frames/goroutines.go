package frames

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/waitstates"
)

// CategoryAll is the category label value of the total goroutine count.
const CategoryAll = "all"

// GoroutineCount returns goroutine counts as data plane numeric-multi
// frames, which alert rules evaluate one labelled number each: the total
// (label category="all") and, when perCategory is set and the snapshot has
// states, one number per category, zeros included so series never vanish.
// withTotal false leaves the total out when the categories are there (a
// panel of the categories alone). Every value carries the origin's labels.
func GoroutineCount(o Origin, snap *goroutines.Snapshot, c stackgroups.Counts, perCategory, withTotal bool) []*data.Frame {
	byCategory := perCategory && c.StatesKnown
	var numbers []Number
	if withTotal || !byCategory {
		numbers = append(numbers, Number{Name: "goroutines", Labels: o.FieldLabelsWith("category", CategoryAll), Value: float64(c.Total), Unit: "short"})
	}
	if byCategory {
		for _, cat := range waitstates.Categories() {
			numbers = append(numbers, Number{
				Name:   "goroutines",
				Labels: o.FieldLabelsWith("category", cat.String()),
				Value:  float64(c.ByCategory[cat]),
				Unit:   "short",
			})
		}
	}
	out := NumericMulti(numbers)
	addSnapshotNotices(out[0], snap)
	return out
}

// GoroutineTimeline returns the timeline as data plane timeseries-multi
// frames: per category, the goroutines that started waiting in each minute
// ("goroutines_started_waiting") and those waiting by then
// ("goroutines_waiting_cumulative"), with the origin's labels plus
// category.
func GoroutineTimeline(o Origin, snap *goroutines.Snapshot, tl stackgroups.Timeline) []*data.Frame {
	var series []Series
	for _, s := range tl.Series {
		labels := o.FieldLabelsWith("category", s.Category.String())
		series = append(series,
			Series{Name: "goroutines_started_waiting", Labels: labels, Times: tl.Times, Values: int64sToFloats(s.Started), Unit: "short"},
			Series{Name: "goroutines_waiting_cumulative", Labels: labels.Copy(), Times: tl.Times, Values: int64sToFloats(s.Cumulative), Unit: "short"},
		)
	}
	out := TimeSeriesMulti(series)
	if len(out) == 0 {
		f := data.NewFrame("goroutines_started_waiting")
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		out = append(out, f)
		if snap != nil && snap.StatesKnown {
			AddNotice(f, data.NoticeSeverityInfo, "No goroutine is waiting.")
		}
	}
	addSnapshotNotices(out[0], snap)
	return out
}

func int64sToFloats(v []int64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// addSnapshotNotices says what the snapshot cannot show and what it is.
func addSnapshotNotices(f *data.Frame, snap *goroutines.Snapshot) {
	if snap == nil {
		AddNotice(f, data.NoticeSeverityWarning, "No goroutine snapshot.")
		return
	}
	if !snap.StatesKnown {
		AddNotice(f, data.NoticeSeverityWarning, fmt.Sprintf(
			"This %s goroutine profile has no goroutine states or wait times; only debug=2 dumps and crash output carry them. Counts and stacks are exact, states are shown as unknown.",
			dumpFormatName(snap.Format)))
	}
	if c := snap.Core; c != nil {
		AddNotice(f, data.NoticeSeverityInfo, coreLine(c))
	}
	if c := snap.Crash; c != nil && c.Kind != "core" {
		AddNotice(f, data.NoticeSeverityInfo, "Crash: "+crashLine(c))
		if n := len(c.Threads); n > 1 {
			AddNotice(f, data.NoticeSeverityInfo, fmt.Sprintf(
				"The crash output also holds the stacks of %d OS threads (GOTRACEBACK=crash); a thread's own stack (\"goroutine 0\") is not a goroutine and is not counted.", n))
		}
	}
	if n := len(snap.Races); n > 0 {
		AddNotice(f, data.NoticeSeverityWarning, fmt.Sprintf("The input holds %d data race report(s).", n))
	}
}

// coreLine says what a core dump holds besides the goroutines shown.
func coreLine(c *goroutines.Core) string {
	msg := fmt.Sprintf("Core dump of %s (%s, %s, %d threads). Goroutines are shown as a goroutine dump shows them: %d runtime goroutines are left out; wait times run to the last time the runtime recorded.",
		c.Executable, c.GoVersion, c.Arch, len(c.Threads), c.SystemGoroutines)
	if c.Signal != "" {
		msg += fmt.Sprintf(" Dumped on %s, received by the thread running goroutine %d.", c.Signal, c.Goroutine)
	}
	return msg
}

// crashLine says what a crash was in one line: "panic: boom [signal
// SIGSEGV: …]", "fatal error: …" or the signal line.
func crashLine(c *goroutines.Crash) string {
	msg := strings.TrimSpace(c.Kind + ": " + firstMessageLine(c.Message))
	if c.Kind == "signal" {
		msg = firstMessageLine(c.Message)
	}
	if c.Signal != "" && c.Signal != c.Message {
		msg += " [" + c.Signal + "]"
	}
	return msg
}

// SnapshotSummary says in one line what a snapshot is, to tell the
// snapshots of one file apart in a list: its crash, its race reports, or
// its format.
func SnapshotSummary(snap *goroutines.Snapshot) string {
	switch {
	case snap.Crash != nil:
		return crashLine(snap.Crash)
	case len(snap.Races) > 0:
		return raceCount(len(snap.Races))
	case snap.Format == goroutines.FormatDebug2:
		return "goroutine dump"
	}
	return dumpFormatName(snap.Format) + " goroutine profile"
}

func raceCount(n int) string {
	if n == 1 {
		return "1 data race"
	}
	return fmt.Sprintf("%d data races", n)
}

func dumpFormatName(f goroutines.Format) string {
	switch f {
	case goroutines.FormatDebug1:
		return "debug=1"
	case goroutines.FormatProtobuf:
		return "protobuf"
	case goroutines.FormatDebug2:
		return "debug=2"
	}
	return string(f)
}

func firstMessageLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// MarkSnapshot says on the frames of one snapshot of a file that holds
// several which one they show: a notice, and the custom meta fields
// "snapshot" (its position, from 1), "snapshots" (how many the file holds)
// and "snapshotCapturedAt".
func MarkSnapshot(fs []*data.Frame, index, count int, capturedAt time.Time) {
	if len(fs) == 0 {
		return
	}
	at := ""
	if !capturedAt.IsZero() {
		at = ", captured " + capturedAt.UTC().Format("2006-01-02 15:04:05Z")
	}
	for _, f := range fs {
		if f.Meta == nil {
			f.Meta = &data.FrameMeta{}
		}
		custom, _ := f.Meta.Custom.(map[string]any)
		if custom == nil {
			custom = map[string]any{}
		}
		custom["snapshot"] = index
		custom["snapshots"] = count
		if !capturedAt.IsZero() {
			custom["snapshotCapturedAt"] = capturedAt.UTC().Format(time.RFC3339Nano)
		}
		f.Meta.Custom = custom
	}
	// First: it says what every other notice is about.
	notice := data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf(
		"This file holds %d snapshots; this is snapshot %d%s. Set the query's snapshot to a position (1 to %d) or a capture time to see another; empty shows the newest.",
		count, index, at, count)}
	fs[0].Meta.Notices = append([]data.Notice{notice}, fs[0].Meta.Notices...)
}
