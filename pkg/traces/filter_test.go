package traces

import (
	"testing"

	"github.com/goscope/pprof/pkg/stackgroups"
	"github.com/goscope/pprof/pkg/waitstates"
)

func TestFilter(t *testing.T) {
	res := analyzeFile(t, "testdata/go1.26/trace.out", Options{TopGoroutines: 100})
	f, err := CompileFilter(stackgroups.Filter{HideSystem: true, Exclude: `^main\.main$`, States: []string{"select", "Channel"}})
	if err != nil {
		t.Fatal(err)
	}
	var kept int
	for i := range res.Goroutines {
		g := &res.Goroutines[i]
		if !f.Goroutine(g) {
			continue
		}
		kept++
		if IsSystem(g.Name) || g.Name == "main.main" || g.State != waitstates.Select && g.State != waitstates.Channel {
			t.Errorf("kept %+v", g)
		}
	}
	if kept == 0 {
		t.Error("the filter kept nothing")
	}
	if !f.State(waitstates.Channel) || f.State(waitstates.Running) {
		t.Error("state filter")
	}
	ids := MostWaiting(res, f, 2)
	if len(ids) != 2 {
		t.Errorf("MostWaiting = %v", ids)
	}
	for _, bad := range []stackgroups.Filter{{States: []string{"napping"}}, {Include: "("}} {
		if _, err := CompileFilter(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
