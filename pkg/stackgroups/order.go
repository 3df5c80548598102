package stackgroups

import (
	"cmp"
	"strings"

	"github.com/goscope/pprof/pkg/waitstates"
)

// compareGroups orders groups so that the one a person should read first
// comes first:
//
//  1. the group holding the goroutine that crashed (its stack is the crash);
//  2. the program's groups before the runtime's own (System) groups;
//  3. larger groups first: a pile of identical goroutines is what an
//     explosion or a leak looks like;
//  4. longer waits first (WaitMax): older piles are more suspicious;
//  5. blocked categories before the others, in the order lock, channel,
//     select, sync.Cond/WaitGroup, IO, syscall, sleep; then runnable,
//     running, other, runtime, unknown;
//  6. then by user function, file, line and stack, so the order is stable.
func compareGroups(a, b Group) int {
	if a.Crashed != b.Crashed {
		return boolFirst(a.Crashed)
	}
	if a.System != b.System {
		return boolFirst(!a.System)
	}
	if c := cmp.Compare(b.Count, a.Count); c != 0 {
		return c
	}
	if c := cmp.Compare(b.WaitMax, a.WaitMax); c != 0 {
		return c
	}
	if c := cmp.Compare(categoryRank[a.Category], categoryRank[b.Category]); c != 0 {
		return c
	}
	if c := strings.Compare(a.UserFrame.Func, b.UserFrame.Func); c != 0 {
		return c
	}
	if c := strings.Compare(a.UserFrame.File, b.UserFrame.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.UserFrame.Line, b.UserFrame.Line); c != 0 {
		return c
	}
	if a.Stack != nil && b.Stack != nil {
		return cmp.Compare(a.Stack.Hash, b.Stack.Hash)
	}
	return 0
}

func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

var categoryRank = map[waitstates.Category]int{
	waitstates.Lock:     0,
	waitstates.Channel:  1,
	waitstates.Select:   2,
	waitstates.Sync:     3,
	waitstates.IO:       4,
	waitstates.Syscall:  5,
	waitstates.Sleep:    6,
	waitstates.Runnable: 7,
	waitstates.Running:  8,
	waitstates.Other:    9,
	waitstates.Runtime:  10,
	waitstates.Unknown:  11,
}
