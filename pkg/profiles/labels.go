package profiles

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"
)

// MatchOp is how a label matcher compares, with Prometheus' operators.
type MatchOp string

// Label matching operators. Regular expressions are anchored at both ends.
const (
	MatchEqual     MatchOp = "="
	MatchNotEqual  MatchOp = "!="
	MatchRegexp    MatchOp = "=~"
	MatchNotRegexp MatchOp = "!~"
)

// LabelMatcher selects samples by one pprof label. A sample without the
// label has the empty value, so `k!=v` keeps it and `k=v` does not.
// Numeric labels (such as the heap profile's "bytes") match by their
// decimal value.
type LabelMatcher struct {
	Key   string
	Op    MatchOp
	Value string
}

func (m LabelMatcher) String() string { return m.Key + string(m.Op) + strconv.Quote(m.Value) }

type compiledMatcher struct {
	key    string
	negate bool
	equal  string
	re     *regexp.Regexp
}

func (m LabelMatcher) compile() (compiledMatcher, error) {
	if m.Key == "" {
		return compiledMatcher{}, fmt.Errorf("label matcher %s: empty key", m)
	}
	c := compiledMatcher{key: m.Key, equal: m.Value}
	switch m.Op {
	case MatchEqual:
	case MatchNotEqual:
		c.negate = true
	case MatchRegexp, MatchNotRegexp:
		re, err := regexp.Compile("^(?:" + m.Value + ")$")
		if err != nil {
			return compiledMatcher{}, fmt.Errorf("label matcher %s: %w", m, err)
		}
		c.re, c.negate = re, m.Op == MatchNotRegexp
	default:
		return compiledMatcher{}, fmt.Errorf("label matcher %s: unknown operator %q", m, m.Op)
	}
	return c, nil
}

func (c compiledMatcher) matches(s *profile.Sample) bool {
	value, _ := labelValue(s, c.key)
	var ok bool
	if c.re != nil {
		ok = c.re.MatchString(value)
	} else {
		ok = value == c.equal
	}
	return ok != c.negate
}

// labelValue returns a sample's value for a label key (the first one if the
// key has several) and whether the sample has the label.
func labelValue(s *profile.Sample, key string) (string, bool) {
	if vs := s.Label[key]; len(vs) > 0 {
		return vs[0], true
	}
	if vs := s.NumLabel[key]; len(vs) > 0 {
		return strconv.FormatInt(vs[0], 10), true
	}
	return "", false
}

// ParseLabelMatchers reads a comma-separated list of matchers such as
// `handler="/api/orders", worker=~"ingest|report", tenant!=""`. Values may
// be quoted as Go strings, which they must be when they hold a comma.
func ParseLabelMatchers(s string) ([]LabelMatcher, error) {
	var out []LabelMatcher
	rest := strings.TrimSpace(s)
	for rest != "" {
		opAt := strings.IndexAny(rest, "=!")
		if opAt <= 0 {
			return nil, fmt.Errorf("label matcher %q: want key=value, key!=value, key=~regexp or key!~regexp", rest)
		}
		m := LabelMatcher{Key: strings.TrimSpace(rest[:opAt])}
		rest = rest[opAt:]
		for _, op := range []MatchOp{MatchRegexp, MatchNotRegexp, MatchNotEqual, MatchEqual} {
			if strings.HasPrefix(rest, string(op)) {
				m.Op, rest = op, strings.TrimSpace(rest[len(op):])
				break
			}
		}
		if m.Op == "" {
			return nil, fmt.Errorf("label matcher for %q: unknown operator", m.Key)
		}
		if strings.HasPrefix(rest, `"`) || strings.HasPrefix(rest, "`") {
			v, after, ok := unquotePrefix(rest)
			if !ok {
				return nil, fmt.Errorf("label matcher for %q: bad quoted value", m.Key)
			}
			m.Value, rest = v, strings.TrimSpace(after)
		} else {
			v, after, _ := strings.Cut(rest, ",")
			m.Value, rest = strings.TrimSpace(v), ","+after
			if after == "" {
				rest = ""
			}
		}
		if rest != "" && !strings.HasPrefix(rest, ",") {
			return nil, fmt.Errorf("label matcher for %q: expected a comma after the value", m.Key)
		}
		rest = strings.TrimSpace(strings.TrimPrefix(rest, ","))
		if _, err := m.compile(); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}
