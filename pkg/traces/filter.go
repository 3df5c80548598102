package traces

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/waitstates"
)

// GoroutineFilter selects goroutines and states in the views of a trace.
type GoroutineFilter struct {
	states                      map[waitstates.Category]bool
	include, exclude, createdBy *regexp.Regexp
	hideSystem                  bool
}

// CompileFilter reads a goroutine filter for the views of a trace: States
// keeps state categories (ids or titles of pkg/waitstates); Include keeps,
// and Exclude drops, goroutines whose start function or creator matches;
// ExcludeCreatedBy drops goroutines started by a matching function;
// HideSystem drops the runtime's goroutines. MinWaitMinutes, a property of
// dumps, does not apply.
func CompileFilter(f stackgroups.Filter) (*GoroutineFilter, error) {
	c := &GoroutineFilter{hideSystem: f.HideSystem}
	for _, s := range f.States {
		cat, ok := waitstates.ParseCategory(s)
		if !ok {
			return nil, fmt.Errorf("unknown goroutine state %q in the filter (want one of %s)", s, categoryList())
		}
		if c.states == nil {
			c.states = make(map[waitstates.Category]bool)
		}
		c.states[cat] = true
	}
	var err error
	for _, re := range []struct {
		to   **regexp.Regexp
		what string
		expr string
	}{{&c.include, "include", f.Include}, {&c.exclude, "exclude", f.Exclude}, {&c.createdBy, "created-by", f.ExcludeCreatedBy}} {
		if re.expr == "" {
			continue
		}
		if *re.to, err = regexp.Compile(re.expr); err != nil {
			return nil, fmt.Errorf("bad %s expression %q: %w", re.what, re.expr, err)
		}
	}
	return c, nil
}

func categoryList() string {
	var ids []string
	for _, c := range waitstates.Categories() {
		ids = append(ids, c.String())
	}
	return strings.Join(ids, ", ")
}

// State reports whether a state category is shown.
func (c *GoroutineFilter) State(cat waitstates.Category) bool {
	return c.states == nil || c.states[cat]
}

// Goroutine reports whether a goroutine (or a group: name only) is shown.
func (c *GoroutineFilter) Goroutine(s *GoroutineStats) bool {
	if c.hideSystem && IsSystem(s.Name) {
		return false
	}
	if c.include != nil && !c.include.MatchString(s.Name) && !c.include.MatchString(s.CreatedBy) {
		return false
	}
	if c.exclude != nil && (c.exclude.MatchString(s.Name) || s.CreatedBy != "" && c.exclude.MatchString(s.CreatedBy)) {
		return false
	}
	if c.createdBy != nil && s.CreatedBy != "" && c.createdBy.MatchString(s.CreatedBy) {
		return false
	}
	if s.ID != 0 && c.states != nil && !c.states[s.State] {
		return false
	}
	return true
}

// MostWaiting returns the ids of the n goroutines the filter keeps that
// waited longest (see GoroutineStats.Waited), from an analysis that kept at
// least n goroutines' own statistics (Options.TopGoroutines).
func MostWaiting(res *Result, f *GoroutineFilter, n int) map[uint64]bool {
	ids := make(map[uint64]bool, n)
	for i := range res.Goroutines {
		if len(ids) == n {
			break
		}
		if f.Goroutine(&res.Goroutines[i]) {
			ids[res.Goroutines[i].ID] = true
		}
	}
	return ids
}
