package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/internal/dashboardrun"
	"github.com/goscope/pprof/pkg/internal/faketarget"
	"github.com/goscope/pprof/pkg/query"
)

// What the goroutine explosion dashboard costs the targets it reads: its
// panels and annotations sent as Grafana sends them on a refresh, each
// panel's queries in a request of their own, all at once, against fake
// targets that count the full goroutine dumps they serve.

// explosionInstance is a data source over n fake targets.
func explosionInstance(t *testing.T, n int, settings string) (*Datasource, []*faketarget.Target, []string) {
	t.Helper()
	fts := make([]*faketarget.Target, n)
	names := make([]string, n)
	var targets []string
	for i := range fts {
		fts[i] = startTarget(t)
		names[i] = fmt.Sprintf("api-%d", i+1)
		targets = append(targets, fmt.Sprintf(`{"name":%q,"url":%q}`, names[i], fts[i].URL()))
	}
	d := newInstance(t, fmt.Sprintf(`{%s"targets":[%s]}`, settings, strings.Join(targets, ",")))
	return d, fts, names
}

// explosionRefresh is one refresh of the goroutine explosion dashboard
// with every target chosen (Target = All).
type explosionRefresh struct{ dashboardrun.Refresh }

func loadExplosion(t *testing.T, targets []string) explosionRefresh {
	t.Helper()
	dash, err := dashboardrun.Load(filepath.Join(dashboardrun.Dir(), "goroutine-explosion.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := dash.Refresh(dashboardrun.Vars{Targets: targets, All: true})
	if err != nil {
		t.Fatal(err)
	}
	return explosionRefresh{r}
}

// readsTargets reports whether a panel reads live targets (rather than
// stored dumps, such as the newest capture's growth).
func readsTargets(p dashboardrun.Panel) bool {
	for _, js := range p.Queries {
		if q, err := query.Parse(js, ""); err == nil && q.Dump == "" && q.DumpSource == "" && q.QueryType != query.TypeDumps {
			return true
		}
	}
	return false
}

// run sends every panel's queries and the annotations at once and waits
// for the answers; it reports the failures of panels that read targets
// and returns how many requests it sent.
func (r explosionRefresh) run(t *testing.T, d *Datasource) int {
	now := time.Now()
	tr := backend.TimeRange{From: now.Add(-time.Hour), To: now}
	var wg sync.WaitGroup
	send := func(title string, failIfError bool, queries []json.RawMessage) {
		defer wg.Done()
		req := &backend.QueryDataRequest{}
		for i, js := range queries {
			req.Queries = append(req.Queries, backend.DataQuery{RefID: string(rune('A' + i)), JSON: js, TimeRange: tr,
				Interval: 10 * time.Second, MaxDataPoints: 1000})
		}
		resp, err := d.QueryData(context.Background(), req)
		if err != nil {
			t.Errorf("%s: %v", title, err)
			return
		}
		for ref, r := range resp.Responses {
			if r.Error != nil && failIfError {
				t.Errorf("%s, query %s: %v", title, ref, r.Error)
			}
		}
	}
	for _, p := range r.Panels {
		wg.Add(1)
		go send(p.Title+" "+p.Target, readsTargets(p), p.Queries)
	}
	for _, a := range r.Annotations {
		wg.Add(1)
		go send("annotations", false, []json.RawMessage{a})
	}
	wg.Wait()
	return len(r.Panels) + len(r.Annotations)
}

// One refresh of the whole dashboard, with its five full-dump panels per
// target, costs each target one full dump, and so do further refreshes
// within the minimum interval (the default, 30 s), the recorder's own
// full dump included.
func TestGoroutineExplosionRefreshCostsOneFullDumpPerTarget(t *testing.T) {
	d, fts, names := explosionInstance(t, 3, "")
	if d.settings.MinInterval != 30*time.Second || d.settings.FullDumpInterval != time.Minute {
		t.Fatalf("defaults: minimum interval %s, full dumps every %s", d.settings.MinInterval, d.settings.FullDumpInterval)
	}
	refresh := loadExplosion(t, names)
	dumpPanels := 0
	for _, p := range refresh.Panels {
		if p.Target != "" {
			dumpPanels++
		}
	}
	if dumpPanels != 5*len(names) {
		t.Fatalf("%d panels read one target's full dump; the dashboard has 5 per target", dumpPanels)
	}
	const refreshes = 5
	requests := 0
	for range refreshes {
		requests += refresh.run(t, d)
	}
	for i, ft := range fts {
		t.Logf("%s: %d full dumps for %d refreshes of %d requests each (%d panels on its full dump each time)",
			names[i], ft.FullDumps(), refreshes, requests/refreshes, dumpPanels/len(names))
		if n := ft.FullDumps(); n != 1 {
			t.Errorf("%s: %d full dumps; the refreshes and the recorder within the minimum interval share one", names[i], n)
		}
	}
}

// Several people refreshing the dashboard over and over, with the
// recorder taking full dumps too: each target still gets at most one full
// dump per minimum interval (1 s here, to see several intervals).
func TestGoroutineExplosionViewersCostOneFullDumpPerInterval(t *testing.T) {
	d, fts, names := explosionInstance(t, 3, `"minIntervalSeconds":1,"recordIntervalSeconds":5,"fullDumpIntervalSeconds":5,`)
	refresh := loadExplosion(t, names)
	start := time.Now()
	stop := start.Add(6 * time.Second)
	var requests atomic.Int64
	var viewers sync.WaitGroup
	for range 4 {
		viewers.Go(func() {
			for time.Now().Before(stop) {
				requests.Add(int64(refresh.run(t, d)))
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	viewers.Wait()
	elapsed := time.Since(start)
	allowed := int(elapsed/d.settings.MinInterval) + 1
	for i, ft := range fts {
		n := ft.FullDumps()
		t.Logf("%s: %d full dumps in %s (at most %d allowed) under %d requests of 4 viewers and the recorder",
			names[i], n, elapsed.Round(time.Millisecond), allowed, requests.Load())
		if n < 2 || n > allowed {
			t.Errorf("%s: %d full dumps in %s with a %s minimum interval; want 2 to %d", names[i], n, elapsed.Round(time.Millisecond), d.settings.MinInterval, allowed)
		}
	}
}

// The dump explorer with no dump to choose: its dump-bound panels say so
// rather than show the targets' live goroutines under a dump's heading.
func TestDumpExplorerWithoutADumpSaysSo(t *testing.T) {
	d, fts, _ := explosionInstance(t, 1, `"recordDisabled":true,`)
	dash, err := dashboardrun.Load(filepath.Join(dashboardrun.Dir(), "dump-explorer.json"))
	if err != nil {
		t.Fatal(err)
	}
	refresh, err := dash.Refresh(dashboardrun.Vars{Source: "upload"})
	if err != nil {
		t.Fatal(err)
	}
	bound := 0
	for _, p := range refresh.Panels {
		for _, js := range p.Queries {
			if !strings.Contains(string(js), `"dump":""`) {
				continue
			}
			bound++
			r := runQuery(t, d, string(js))
			if r.Error == nil || !strings.Contains(r.Error.Error(), "no dump is chosen: pick one in the dashboard's Dump variable") || len(r.Frames) != 0 {
				t.Errorf("%s: %d frames, error %v", p.Title, len(r.Frames), r.Error)
			}
		}
	}
	if bound != 5 {
		t.Errorf("%d panels read the chosen dump; the dump explorer has 5", bound)
	}
	if n := fts[0].Requests(""); n != 0 {
		t.Errorf("the target was asked %d times", n)
	}
}
