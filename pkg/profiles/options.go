package profiles

import (
	"fmt"
	"regexp"
)

// Options select and shape what is computed from a profile.
type Options struct {
	// SampleType names the value to use ("inuse_space", "delay", ...);
	// empty means the profile's default, as in `go tool pprof`.
	SampleType string

	// Focus keeps only samples with at least one frame whose function or
	// file name matches (pprof's -focus).
	Focus string
	// Ignore drops samples with any frame whose function or file name
	// matches (pprof's -ignore).
	Ignore string
	// Hide removes matching frames from the stacks, keeping the samples
	// (pprof's -hide).
	Hide string

	// LabelFilter keeps only samples whose pprof labels satisfy every
	// matcher.
	LabelFilter []LabelMatcher
	// GroupBy is a pprof label key: trees get one node per value of the
	// label under the root, and label counts are computed for it.
	GroupBy string

	// MaxNodes limits the nodes of a tree; 0 means no limit. What is cut is
	// merged, per parent, into a node labelled Other, so every total stays
	// exact. At least 2 nodes are kept (the root and one Other node).
	MaxNodes int

	// ByLine makes frames and top rows per source line instead of per
	// function (pprof's -lines).
	ByLine bool

	// NodeFraction drops from top tables the functions whose cumulative
	// value is below this fraction of the total, like pprof's
	// -nodefraction (DefaultNodeFraction in `go tool pprof`; 0 keeps all).
	NodeFraction float64
}

// DefaultNodeFraction is `go tool pprof`'s default -nodefraction. Its -top
// report sets no node count (-nodecount is 0 for text and top output), so
// this fraction alone decides which rows it prints.
const DefaultNodeFraction = 0.005

// Other is the label of the node that stands for what a node limit cut
// under one parent.
const Other = "other"

// compiledOptions are Options checked against one profile.
type compiledOptions struct {
	Options
	focus, ignore, hide *regexp.Regexp
	labels              []compiledMatcher
}

func compileOptions(o Options) (*compiledOptions, error) {
	c := &compiledOptions{Options: o}
	var err error
	if c.focus, err = compileRegexp("focus", o.Focus); err != nil {
		return nil, err
	}
	if c.ignore, err = compileRegexp("ignore", o.Ignore); err != nil {
		return nil, err
	}
	if c.hide, err = compileRegexp("hide", o.Hide); err != nil {
		return nil, err
	}
	for _, m := range o.LabelFilter {
		cm, err := m.compile()
		if err != nil {
			return nil, err
		}
		c.labels = append(c.labels, cm)
	}
	if o.MaxNodes < 0 {
		return nil, fmt.Errorf("max nodes must not be negative, got %d", o.MaxNodes)
	}
	if o.NodeFraction < 0 || o.NodeFraction >= 1 {
		return nil, fmt.Errorf("node fraction must be in [0, 1), got %g", o.NodeFraction)
	}
	return c, nil
}

func compileRegexp(what, expr string) (*regexp.Regexp, error) {
	if expr == "" {
		return nil, nil
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("invalid %s regular expression: %w", what, err)
	}
	return re, nil
}

// filtersNames reports whether focus, ignore or hide is set; pprof then
// also drops samples that have no frames at all.
func (c *compiledOptions) filtersNames() bool {
	return c.focus != nil || c.ignore != nil || c.hide != nil
}
