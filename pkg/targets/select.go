package targets

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/goscope/pprof/pkg/settings"
)

// Select returns the configured targets a query's target expression names.
// The expression is, in order of precedence: empty or "*" for every target;
// an exact target name; a brace list "{a,b}" as Grafana writes multi-value
// variables in glob format; or a regular expression matched against whole
// names, as Grafana writes multi-value variables in regex format "(a|b)".
// A URL is refused: queries may only name targets an admin configured.
func Select(all []settings.Target, expr string) ([]settings.Target, error) {
	expr = strings.TrimSpace(expr)
	if strings.Contains(expr, "://") {
		return nil, fmt.Errorf("a query cannot carry a URL (%q); it names a target configured in the data source settings", expr)
	}
	if expr == "" || expr == "*" || expr == "$__all" {
		if len(all) == 0 {
			return nil, fmt.Errorf("no targets are configured in the data source settings, and discovery (if set up) has found none")
		}
		return all, nil
	}
	if t, ok := find(all, expr); ok {
		return []settings.Target{t}, nil
	}
	if strings.HasPrefix(expr, "{") && strings.HasSuffix(expr, "}") {
		return selectList(all, strings.Split(expr[1:len(expr)-1], ","))
	}
	re, err := regexp.Compile("^(?:" + expr + ")$")
	if err != nil {
		return nil, fmt.Errorf("no target is named %q, and it is not a valid regular expression: %v", expr, err)
	}
	var out []settings.Target
	for _, t := range all {
		if re.MatchString(t.Name) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no configured target matches %q (configured: %s)", expr, names(all))
	}
	return out, nil
}

func selectList(all []settings.Target, list []string) ([]settings.Target, error) {
	var out []settings.Target
	for _, name := range list {
		t, ok := find(all, strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("no target is named %q (configured: %s)", name, names(all))
		}
		out = append(out, t)
	}
	return out, nil
}

func find(all []settings.Target, name string) (settings.Target, bool) {
	i := slices.IndexFunc(all, func(t settings.Target) bool { return t.Name == name })
	if i < 0 {
		return settings.Target{}, false
	}
	return all[i], true
}

// maxNamesListed bounds the names an error lists: discovery can give a
// data source a thousand targets.
const maxNamesListed = 20

func names(all []settings.Target) string {
	if len(all) == 0 {
		return "none"
	}
	ns := make([]string, 0, min(len(all), maxNamesListed+1))
	for _, t := range all[:min(len(all), maxNamesListed)] {
		ns = append(ns, t.Name)
	}
	if len(all) > maxNamesListed {
		ns = append(ns, fmt.Sprintf("and %d more", len(all)-maxNamesListed))
	}
	return strings.Join(ns, ", ")
}
