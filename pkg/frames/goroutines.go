package frames

import (
	"fmt"
	"strings"

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
// Every value carries the origin's labels.
func GoroutineCount(o Origin, snap *goroutines.Snapshot, c stackgroups.Counts, perCategory bool) []*data.Frame {
	numbers := []Number{{Name: "goroutines", Labels: o.FieldLabelsWith("category", CategoryAll), Value: float64(c.Total), Unit: "short"}}
	if perCategory && c.StatesKnown {
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
	if c := snap.Crash; c != nil {
		msg := strings.TrimSpace(c.Kind + ": " + firstMessageLine(c.Message))
		if c.Kind == "signal" {
			msg = firstMessageLine(c.Message)
		}
		if c.Signal != "" && c.Signal != c.Message {
			msg += " [" + c.Signal + "]"
		}
		AddNotice(f, data.NoticeSeverityInfo, "Crash: "+msg)
	}
	if n := len(snap.Races); n > 0 {
		AddNotice(f, data.NoticeSeverityWarning, fmt.Sprintf("The input holds %d data race report(s).", n))
	}
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
