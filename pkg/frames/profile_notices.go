package frames

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/profiles"
)

// addStacklessNotice tells the reader how much of a profile was recorded
// without a stack and why, when any was: those samples are the node or
// row labelled profiles.StackNotRecorded. side names the profile of a
// diff ("baseline: "), or is empty.
func addStacklessNotice(f *data.Frame, st profiles.SampleType, unrecorded, total int64, side string) {
	if unrecorded == 0 {
		return
	}
	share := 100 * float64(unrecorded) / float64(max(total, 1))
	var text string
	if st.Name == "threadcreate" {
		// runtime.mcommoninit records a new thread's creation stack only
		// when it runs on a goroutine's stack, not on the scheduler's.
		text = fmt.Sprintf("%s%d of %d threads (%.0f%%) have no creation stack: the Go runtime records one only for a thread "+
			"started from a goroutine's own stack (as runtime.LockOSThread does); the scheduler starts most threads from its "+
			"system stack and records none (golang.org/issue/6104). They are the %q node.",
			side, unrecorded, total, share, profiles.StackNotRecorded)
	} else {
		text = fmt.Sprintf("%s%s of %s (%.0f%%) was recorded without a stack; it is the %q node.",
			side, humanValue(unrecorded, st.Unit), humanValue(total, st.Unit), share, profiles.StackNotRecorded)
	}
	AddNotice(f, data.NoticeSeverityInfo, text)
}

// humanValue writes a sample value with its unit for a notice: sizes in
// binary units, durations as Go prints them, anything else as a number.
func humanValue(v int64, pprofUnit string) string {
	switch profiles.GrafanaUnit(pprofUnit) {
	case "bytes":
		f, unit := float64(v), "B"
		for _, u := range []string{"KiB", "MiB", "GiB", "TiB"} {
			if math.Abs(f) < 1024 {
				break
			}
			f, unit = f/1024, u
		}
		return strconv.FormatFloat(f, 'g', 4, 64) + " " + unit
	case "ns":
		return roundDuration(time.Duration(v)).String()
	}
	if pprofUnit == "count" || pprofUnit == "" {
		return strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10) + " " + pprofUnit
}

// roundDuration keeps about three significant digits.
func roundDuration(d time.Duration) time.Duration {
	r := time.Duration(1)
	for r < time.Second && (d >= 1000*r || d <= -1000*r) {
		r *= 10
	}
	return d.Round(r)
}
