package stackgroups

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/waitstates"
)

// Growth is what changed between two snapshots of one process: the first
// answer to a goroutine explosion is which groups grew.
type Growth struct {
	// Before and After are the totals the filter keeps.
	Before, After int
	// Groups are every group of either snapshot with its two counts, the
	// one that grew most first and the ones that shrank last.
	Groups []GroupGrowth
	// Categories are the counts per state category, largest growth first;
	// nil when either snapshot carries no states.
	Categories []CategoryGrowth
	// Exact is true when both snapshots are of a format with states, so
	// groups are matched by state category and whole stack. Otherwise
	// they are matched by their frames outside the runtime, without
	// category or creator, because debug=1 and protobuf profiles print
	// neither.
	Exact bool
}

// GroupGrowth is one group's count in both snapshots.
type GroupGrowth struct {
	// Group is the group as it is in the later snapshot, or in the earlier
	// one when it is gone; its Count is After (or Before).
	Group
	Before, After int
}

// Delta is After minus Before.
func (g GroupGrowth) Delta() int { return g.After - g.Before }

// CategoryGrowth is one state category's count in both snapshots.
type CategoryGrowth struct {
	Category      waitstates.Category
	Before, After int
}

// Delta is After minus Before.
func (c CategoryGrowth) Delta() int { return c.After - c.Before }

// Compare groups both snapshots with the same filter and matches their
// groups (see Growth.Exact for how).
func Compare(before, after *goroutines.Snapshot, f Filter) (Growth, error) {
	g := Growth{Exact: before.StatesKnown && after.StatesKnown}
	earlier, err := Groups(before, f)
	if err != nil {
		return Growth{}, err
	}
	later, err := Groups(after, f)
	if err != nil {
		return Growth{}, err
	}
	index := map[string]int{}
	// count adds a snapshot's groups, matching them to those already seen;
	// stacks that differ only in what a loose key leaves out add up.
	count := func(groups []Group, total *int, counter func(*GroupGrowth) *int) {
		for _, grp := range groups {
			k := growthKey(grp, g.Exact)
			i, ok := index[k]
			if !ok {
				i = len(g.Groups)
				index[k] = i
				g.Groups = append(g.Groups, GroupGrowth{Group: grp})
			}
			*counter(&g.Groups[i]) += grp.Count
			*total += grp.Count
		}
	}
	count(later, &g.After, func(gg *GroupGrowth) *int { return &gg.After })
	count(earlier, &g.Before, func(gg *GroupGrowth) *int { return &gg.Before })
	slices.SortStableFunc(g.Groups, func(a, b GroupGrowth) int {
		if c := cmp.Compare(b.Delta(), a.Delta()); c != 0 {
			return c
		}
		if c := cmp.Compare(b.After, a.After); c != 0 {
			return c
		}
		return compareGroups(a.Group, b.Group)
	})
	if g.Exact {
		g.Categories = categoryGrowth(earlier, later)
	}
	return g, nil
}

func categoryGrowth(earlier, later []Group) []CategoryGrowth {
	var byCategory [waitstates.Other + 1]CategoryGrowth
	for _, grp := range earlier {
		byCategory[grp.Category].Before += grp.Count
	}
	for _, grp := range later {
		byCategory[grp.Category].After += grp.Count
	}
	var out []CategoryGrowth
	for _, c := range append([]waitstates.Category{waitstates.Unknown}, waitstates.Categories()...) {
		cg := byCategory[c]
		if cg.Before > 0 || cg.After > 0 {
			cg.Category = c
			out = append(out, cg)
		}
	}
	slices.SortStableFunc(out, func(a, b CategoryGrowth) int { return cmp.Compare(b.Delta(), a.Delta()) })
	return out
}

// growthKey identifies a group across snapshots: stacks are interned per
// snapshot, so they are compared by their frames.
func growthKey(g Group, exact bool) string {
	var b strings.Builder
	if exact {
		b.WriteString(g.Category.String())
		b.WriteByte('\n')
	}
	if g.Stack == nil {
		return b.String()
	}
	for _, fr := range g.Stack.Frames {
		if !exact && fr.Package() == "runtime" {
			continue
		}
		writeKeyFrame(&b, fr)
	}
	if exact {
		b.WriteString("elided ")
		b.WriteString(strconv.Itoa(g.Stack.Elided))
		b.WriteByte('@')
		b.WriteString(strconv.Itoa(g.Stack.ElidedAt))
		b.WriteString("\ncreated by ")
		writeKeyFrame(&b, g.Stack.CreatedBy)
	}
	return b.String()
}

func writeKeyFrame(b *strings.Builder, fr goroutines.Frame) {
	b.WriteString(fr.Func)
	b.WriteByte(' ')
	b.WriteString(fr.File)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(fr.Line))
	b.WriteByte('\n')
}
