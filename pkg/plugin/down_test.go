package plugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/targets"
)

// hangingTarget accepts requests and answers none until the test ends;
// asked counts the requests it holds.
func hangingTarget(t *testing.T) (url string, asked *atomic.Int32) {
	release := make(chan struct{})
	asked = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		<-release
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv.URL + "/debug/pprof", asked
}

// markDown records what the recorder's sample of a target that timed out
// says.
func markDown(d *Datasource, name string) {
	d.evidence.down.note(name, time.Now(), reading{values: map[string]float64{"up": 0},
		errs: []error{&targets.FetchError{Target: name, Kind: targets.KindTimeout, Err: context.DeadlineExceeded}}})
}

// A query over several targets waits briefly for one the recorder found
// down, which still gets asked (it may have come back), and says why
// its row is down. The timeout is long enough that waiting it out would
// hit the guard.
func TestQueryOverTargetsDoesNotWaitForDownTarget(t *testing.T) {
	hang, asked := hangingTarget(t)
	d := newInstance(t, fmt.Sprintf(`{"timeoutSeconds":20,"recordDisabled":true,"targets":[
		{"name":"live","url":%q},{"name":"hang","url":%q}]}`, scenarioTarget(t, nil), hang))
	markDown(d, "hang")

	queries := []string{
		`{"queryType":"metrics","view":"current","target":"*","metric":"goroutines"}`,
		`{"queryType":"goroutines","view":"count","target":"*"}`,
	}
	type answer struct {
		notices []string
		live    bool
	}
	answers := make(chan answer, len(queries))
	for _, q := range queries {
		go func() {
			r := runQuery(t, d, q)
			a := answer{notices: noticeTexts(r.Frames)}
			for _, f := range r.Frames {
				for _, field := range f.Fields {
					a.live = a.live || field.Labels["target"] == "live"
				}
			}
			answers <- a
		}()
	}
	for range queries {
		var a answer
		select {
		case a = <-answers:
		case <-time.After(15 * time.Second):
			t.Fatal("a query waited for the target the recorder found down")
		}
		if !a.live {
			t.Error("no answer of the live target")
		}
		if len(a.notices) != 1 || !strings.Contains(a.notices[0], `target "hang"`) || !strings.Contains(a.notices[0], "down per the recorder") || !strings.Contains(a.notices[0], "timeout") {
			t.Errorf("notices %q", a.notices)
		}
	}
	// Asked again (the queries share the fetch of its index page), and
	// still held: the queries did not wait for it.
	if asked.Load() == 0 {
		t.Error("the down target was not asked again")
	}
}

// A query of the target alone waits the full timeout; a sample that
// answers takes the target off the list; a failure other than a timeout
// or refusal does not put it on.
func TestDownTargetWait(t *testing.T) {
	d := newInstance(t, fmt.Sprintf(`{"recordDisabled":true,"targets":[{"name":"a","url":%q}]}`, pprofServer(t, "go1.27.html")))
	tgt, _ := d.target(context.Background(), "a")
	deadline := func(many bool) (time.Time, bool, error) {
		ctx, cancel, explain := d.targetWait(context.Background(), tgt, many)
		defer cancel()
		at, ok := ctx.Deadline()
		return at, ok, explain(errors.New("failed"))
	}
	if _, ok, err := deadline(true); ok || err.Error() != "failed" {
		t.Errorf("a target that is up gets a deadline (%v) or an explanation: %v", ok, err)
	}
	markDown(d, "a")
	if at, ok, err := deadline(true); !ok || at.After(time.Now().Add(d.settings.Timeout/downWaitDivisor)) || !strings.Contains(err.Error(), "down per the recorder") {
		t.Errorf("over several targets: deadline %v (%v), %v", at, ok, err)
	}
	if _, ok, err := deadline(false); ok || err.Error() != "failed" {
		t.Errorf("the target alone gets a deadline (%v) or an explanation: %v", ok, err)
	}
	d.evidence.down.note("a", time.Now(), reading{values: map[string]float64{"up": 1}})
	if _, ok := d.evidence.down.get("a"); ok {
		t.Error("a target that answered is still down")
	}
	d.evidence.down.note("a", time.Now(), reading{values: map[string]float64{"up": 0},
		errs: []error{&targets.FetchError{Target: "a", Kind: targets.KindHTTPStatus, Err: errors.New("HTTP 500")}}})
	if _, ok := d.evidence.down.get("a"); ok {
		t.Error("a target that answered with an error is down")
	}
}
