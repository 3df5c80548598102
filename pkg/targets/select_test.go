package targets

import (
	"fmt"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/settings"
)

func TestSelect(t *testing.T) {
	all := []settings.Target{{Name: "api-1"}, {Name: "api-2"}, {Name: "worker.prod"}, {Name: "workerXprod"}}
	cases := []struct {
		expr string
		want string
	}{
		{"", "api-1 api-2 worker.prod workerXprod"},
		{"*", "api-1 api-2 worker.prod workerXprod"},
		{"api-2", "api-2"},
		// An exact name wins over the same text read as a regex.
		{"worker.prod", "worker.prod"},
		{"api-.*", "api-1 api-2"},
		{"(api-1|worker.prod)", "api-1 worker.prod workerXprod"},
		{"{api-1,worker.prod}", "api-1 worker.prod"},
	}
	for _, c := range cases {
		got, err := Select(all, c.expr)
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		var names []string
		for _, t := range got {
			names = append(names, t.Name)
		}
		if strings.Join(names, " ") != c.want {
			t.Errorf("%q selected %v; want %s", c.expr, names, c.want)
		}
	}
}

func TestSelectErrors(t *testing.T) {
	all := []settings.Target{{Name: "api-1"}}
	cases := map[string]string{
		"http://169.254.169.254/latest": "cannot carry a URL",
		"db":                            `no configured target matches "db" (configured: api-1)`,
		"{api-1,db}":                    `no target is named "db"`,
		"api-(":                         "not a valid regular expression",
	}
	for expr, want := range cases {
		_, err := Select(all, expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v; want %q", expr, err, want)
		}
	}
	if _, err := Select(nil, ""); err == nil || !strings.Contains(err.Error(), "no targets are configured") {
		t.Errorf("no targets: %v", err)
	}
}

func TestSelectErrorListsFewNames(t *testing.T) {
	var all []settings.Target
	for i := range 1000 {
		all = append(all, settings.Target{Name: fmt.Sprintf("pod-%d", i)})
	}
	_, err := Select(all, "{pod-1,nope}")
	if err == nil || !strings.Contains(err.Error(), "pod-19, and 980 more") || strings.Contains(err.Error(), "pod-20,") {
		t.Errorf("error %v", err)
	}
}
