package stackgroups

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/goscope/pprof/pkg/waitstates"
)

// Suspect is a group that looks like a goroutine leak, with its score and
// the reasons for it.
type Suspect struct {
	Rank    int
	Score   float64
	Reasons []string
	Group   Group
}

// Leak scoring. A group is a suspect when its goroutines wait on the
// program's own synchronisation (channel, select, lock, sync.Cond or
// WaitGroup) or when the runtime itself reported them leaked; runtime
// groups never are. The score multiplies:
//
//   - weight of the category: lock and channel 1.0, sync 0.9, select 0.8
//     (select loops are often long-lived workers), runtime-reported leaks
//     of any other category 0.5;
//   - size: 1 + log2(count), so 1 goroutine gives 1 and 1024 give 11;
//   - age: 1 + log2(1 + longest wait in minutes), 1 under a minute;
//   - place: 1 when the goroutines block in user code, 0.5 when every frame
//     is in the standard library (servers park there normally);
//   - forever: 1.5 for a nil channel or a select with no cases, which no
//     event can ever end;
//   - proof: 3 when the runtime marked them leaked (Go 1.26 goroutineleak
//     profile, " (leaked)" in headers).
//
// A goroutine that waits on a channel for a minute in user code scores
// 1 × 1 × 2 × 1 = 2; a thousand of them blocked for an hour on a mutex
// about 10.97 × 6.93 ≈ 76.
var categoryWeight = map[waitstates.Category]float64{
	waitstates.Lock:    1.0,
	waitstates.Channel: 1.0,
	waitstates.Sync:    0.9,
	waitstates.Select:  0.8,
}

const (
	otherLeakWeight = 0.5
	stdlibFactor    = 0.5
	foreverFactor   = 1.5
	provenFactor    = 3
)

// Leaks ranks the groups that look like leaks, highest score first.
func Leaks(groups []Group) []Suspect {
	var out []Suspect
	for _, g := range groups {
		if s, ok := score(g); ok {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(a, b Suspect) int { return cmp.Compare(b.Score, a.Score) })
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

func score(g Group) (Suspect, bool) {
	weight, blocked := categoryWeight[g.Category]
	if g.System || !blocked && g.Leaked == 0 {
		return Suspect{}, false
	}
	s := Suspect{Group: g}
	state := g.Category.Title()
	if len(g.States) > 0 && g.States[0] != "" {
		state = g.States[0]
	}
	if !blocked {
		weight = otherLeakWeight
	}
	s.Reasons = append(s.Reasons, fmt.Sprintf("blocked on %s (%s)", state, g.Category.Title()))
	size := 1 + math.Log2(float64(max(g.Count, 1)))
	if g.Count > 1 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("%d goroutines share this stack", g.Count))
	}
	age := 1 + math.Log2(1+float64(g.WaitMax))
	switch {
	case g.WaitMax == 0:
		s.Reasons = append(s.Reasons, "waiting under a minute (or not yet stamped by a GC)")
	case g.WaitMin == g.WaitMax:
		s.Reasons = append(s.Reasons, fmt.Sprintf("waiting %d minutes", g.WaitMax))
	default:
		s.Reasons = append(s.Reasons, fmt.Sprintf("waiting %d to %d minutes: the pile grew over time", g.WaitMin, g.WaitMax))
	}
	place := 1.0
	if g.UserFrameIndex >= 0 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("blocks in user code: %s (%s:%d)", g.UserFrame.Func, g.UserFrame.File, g.UserFrame.Line))
	} else {
		place = stdlibFactor
		s.Reasons = append(s.Reasons, "no frame in user code (standard library only)")
	}
	forever := 1.0
	if slices.ContainsFunc(g.States, blocksForever) {
		forever = foreverFactor
		s.Reasons = append(s.Reasons, "nil channel or empty select: nothing can ever wake them")
	}
	proven := 1.0
	if g.Leaked > 0 {
		proven = provenFactor
		s.Reasons = append(s.Reasons, fmt.Sprintf("the runtime reported %d of them leaked", g.Leaked))
	}
	s.Score = math.Round(weight*size*age*place*forever*proven*100) / 100
	return s, true
}

func blocksForever(state string) bool {
	switch state {
	case "chan receive (nil chan)", "chan send (nil chan)", "select (no cases)":
		return true
	}
	return false
}
