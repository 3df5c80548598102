// Package stackgroups answers the questions a person asks of a goroutine
// snapshot: where are the goroutines stuck (groups of identical stacks, the
// one to read first on top), how many are in each state and for how long,
// when did the waiting ones start waiting (the timeline), and which groups
// look like leaks, with the reasons.
//
// Every function takes a Filter, so all views of a snapshot agree on which
// goroutines they show.
package stackgroups

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/waitstates"
)

// Filter selects goroutines. The zero Filter keeps every goroutine.
type Filter struct {
	// States keeps goroutines whose state ("chan receive"), category id
	// ("channel") or category title ("Network/IO wait") is listed,
	// compared case-insensitively.
	States []string
	// Include keeps goroutines with a frame whose function, package or
	// file matches this regular expression.
	Include string
	// Exclude drops goroutines with a frame whose function, package or
	// file matches this regular expression.
	Exclude string
	// ExcludeCreatedBy drops goroutines whose creating function matches
	// this regular expression, to hide the long-lived goroutines that are
	// normal for a program (e.g. "net/http\\.\\(\\*Server\\)\\.Serve").
	ExcludeCreatedBy string
	// MinWaitMinutes keeps goroutines that have waited at least this long.
	MinWaitMinutes int
	// HideSystem drops runtime goroutines: those in the GC and runtime
	// category and those whose every frame is in the runtime.
	HideSystem bool
	// LockedToThread keeps goroutines locked to their OS thread, which
	// only dumps with states say.
	LockedToThread bool
}

// Ignored lists the parts of the filter that cannot apply to a snapshot
// (states and wait times of a format that has none); they are not applied.
func (f Filter) Ignored(snap *goroutines.Snapshot) []string {
	if snap == nil || snap.StatesKnown {
		return nil
	}
	var out []string
	if len(f.States) > 0 {
		out = append(out, fmt.Sprintf("state filter %q not applied: %s dumps carry no goroutine states", strings.Join(f.States, ", "), snap.Format))
	}
	if f.MinWaitMinutes > 0 {
		out = append(out, fmt.Sprintf("minimum wait of %d minutes not applied: %s dumps carry no wait times", f.MinWaitMinutes, snap.Format))
	}
	if f.LockedToThread {
		out = append(out, fmt.Sprintf("locked-to-thread filter not applied: %s dumps do not say which goroutines are locked to threads", snap.Format))
	}
	return out
}

// matcher is a compiled Filter for one snapshot.
type matcher struct {
	states     map[string]bool
	categories [waitstates.Other + 1]bool
	byState    bool
	include    *regexp.Regexp
	exclude    *regexp.Regexp
	createdBy  *regexp.Regexp
	minWait    int
	locked     bool
	hideSystem bool
	stackOK    map[*goroutines.Stack]bool
}

func (f Filter) compile(snap *goroutines.Snapshot) (*matcher, error) {
	m := &matcher{hideSystem: f.HideSystem, stackOK: make(map[*goroutines.Stack]bool)}
	var err error
	if m.include, err = compileRegexp("include", f.Include); err != nil {
		return nil, err
	}
	if m.exclude, err = compileRegexp("exclude", f.Exclude); err != nil {
		return nil, err
	}
	if m.createdBy, err = compileRegexp("created-by exclusion", f.ExcludeCreatedBy); err != nil {
		return nil, err
	}
	if snap == nil || !snap.StatesKnown {
		return m, nil
	}
	m.minWait = f.MinWaitMinutes
	m.locked = f.LockedToThread
	for _, s := range f.States {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		m.byState = true
		if c, ok := waitstates.ParseCategory(s); ok {
			m.categories[c] = true
			continue
		}
		if m.states == nil {
			m.states = make(map[string]bool)
		}
		m.states[strings.ToLower(waitstates.Base(s))] = true
	}
	return m, nil
}

func compileRegexp(what, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("%s filter: %w", what, err)
	}
	return re, nil
}

func (m *matcher) keep(g *goroutines.Goroutine) bool {
	if m.byState && !m.categories[g.Category] && !m.states[strings.ToLower(g.State)] {
		return false
	}
	if g.WaitMinutes < m.minWait || m.locked && !g.LockedToThread {
		return false
	}
	if m.hideSystem && g.Category == waitstates.Runtime {
		return false
	}
	if g.Stack == nil {
		return m.include == nil
	}
	ok, seen := m.stackOK[g.Stack]
	if !seen {
		ok = m.keepStack(g.Stack)
		m.stackOK[g.Stack] = ok
	}
	return ok
}

func (m *matcher) keepStack(s *goroutines.Stack) bool {
	if m.hideSystem && len(s.Frames) > 0 && isSystemStack(s) {
		return false
	}
	if m.createdBy != nil && s.CreatedBy.Func != "" && m.createdBy.MatchString(s.CreatedBy.Func) {
		return false
	}
	if m.exclude != nil && anyFrameMatches(m.exclude, s) {
		return false
	}
	return m.include == nil || anyFrameMatches(m.include, s)
}

func anyFrameMatches(re *regexp.Regexp, s *goroutines.Stack) bool {
	for _, f := range s.Frames {
		if re.MatchString(f.Func) || re.MatchString(f.File) || re.MatchString(f.Package()) {
			return true
		}
	}
	return false
}

// isSystemStack reports whether every frame, and the creator, is in the
// runtime: the goroutines the runtime starts for itself.
func isSystemStack(s *goroutines.Stack) bool {
	for _, f := range s.Frames {
		if !isRuntimePackage(f.Package()) {
			return false
		}
	}
	return s.CreatedBy.Func == "" || isRuntimePackage(s.CreatedBy.Package())
}

func isRuntimePackage(pkg string) bool {
	return pkg == "runtime" || strings.HasPrefix(pkg, "runtime/") || strings.HasPrefix(pkg, "internal/")
}

// IsSystem reports whether a goroutine is one the runtime runs for itself.
func IsSystem(g *goroutines.Goroutine) bool {
	return g.Category == waitstates.Runtime || g.Stack != nil && len(g.Stack.Frames) > 0 && isSystemStack(g.Stack)
}

// each calls fn for every goroutine the filter keeps.
func each(snap *goroutines.Snapshot, f Filter, fn func(g *goroutines.Goroutine)) error {
	if snap == nil {
		return nil
	}
	m, err := f.compile(snap)
	if err != nil {
		return err
	}
	for i := range snap.Goroutines {
		g := &snap.Goroutines[i]
		if m.keep(g) {
			fn(g)
		}
	}
	return nil
}
