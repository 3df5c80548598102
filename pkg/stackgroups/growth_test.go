package stackgroups

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/goscope/pprof/pkg/goroutines"
	"github.com/goscope/pprof/pkg/waitstates"
)

// expectedGrowth is testdata/growth/expected.json: what the program that
// wrote the dumps did between them.
type expectedGrowth struct {
	Function string `json:"function"`
	Category string `json:"category"`
	Before   int    `json:"before"`
	After    int    `json:"after"`
}

func readGrowthData(t *testing.T) []expectedGrowth {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "growth", "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want []expectedGrowth
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	return want
}

func parseGrowthDump(t *testing.T, name string) *goroutines.Snapshot {
	t.Helper()
	return loadFile(t, filepath.Join("testdata", "growth", name))
}

func TestCompareRealDumps(t *testing.T) {
	want := readGrowthData(t)
	for _, c := range []struct {
		before, after string
		exact         bool
	}{
		{"before.debug2.txt", "after.debug2.txt", true},
		{"before.debug1.txt", "after.debug1.txt", false},
		{"before.debug2.txt", "after.debug1.txt", false},
	} {
		t.Run(c.before+"→"+c.after, func(t *testing.T) {
			g, err := Compare(parseGrowthDump(t, c.before), parseGrowthDump(t, c.after), Filter{})
			if err != nil {
				t.Fatal(err)
			}
			if g.Exact != c.exact {
				t.Errorf("exact = %v", g.Exact)
			}
			byFunc := map[string]GroupGrowth{}
			groupsOf := map[string]int{}
			for _, gg := range g.Groups {
				byFunc[gg.UserFrame.Func] = gg
				groupsOf[gg.UserFrame.Func]++
			}
			for _, w := range want {
				got := byFunc[w.Function]
				if groupsOf[w.Function] != 1 {
					t.Errorf("%s is in %d groups; want one", w.Function, groupsOf[w.Function])
					continue
				}
				if got.Before != w.Before || got.After != w.After || got.Delta() != w.After-w.Before {
					t.Errorf("%s: %d → %d (%+d); want %d → %d", w.Function, got.Before, got.After, got.Delta(), w.Before, w.After)
				}
				if c.exact && got.Category.String() != w.Category {
					t.Errorf("%s: category %s; want %s", w.Function, got.Category, w.Category)
				}
			}
			if first, last := g.Groups[0], g.Groups[len(g.Groups)-1]; first.UserFrame.Func != "main.locker" || last.UserFrame.Func != "main.worker" {
				t.Errorf("order: first %s, last %s; want the group that grew most first and the one that shrank most last", first.UserFrame.Func, last.UserFrame.Func)
			}
			if g.Before != 29 || g.After != 29-12+300+150 {
				t.Errorf("totals %d → %d", g.Before, g.After)
			}
		})
	}
}

func TestCompareCategories(t *testing.T) {
	g, err := Compare(parseGrowthDump(t, "before.debug2.txt"), parseGrowthDump(t, "after.debug2.txt"), Filter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[waitstates.Category][2]int{}
	for _, c := range g.Categories {
		got[c.Category] = [2]int{c.Before, c.After}
	}
	want := map[waitstates.Category][2]int{
		waitstates.Lock:    {3, 303},
		waitstates.Channel: {20, 158},
		waitstates.Sleep:   {5, 5},
		waitstates.Running: {1, 1},
	}
	for cat, w := range want {
		if got[cat] != w {
			t.Errorf("%s: %v; want %v", cat, got[cat], w)
		}
	}
	if g.Categories[0].Category != waitstates.Lock || g.Categories[1].Category != waitstates.Channel {
		t.Errorf("category order: %v", g.Categories)
	}
	loose, _ := Compare(parseGrowthDump(t, "before.debug1.txt"), parseGrowthDump(t, "after.debug1.txt"), Filter{})
	if loose.Categories != nil {
		t.Errorf("categories from dumps without states: %v", loose.Categories)
	}
}

func TestCompareAppliesTheFilterToBoth(t *testing.T) {
	g, err := Compare(parseGrowthDump(t, "before.debug2.txt"), parseGrowthDump(t, "after.debug2.txt"), Filter{States: []string{"lock"}})
	if err != nil {
		t.Fatal(err)
	}
	if g.Before != 3 || g.After != 303 || len(g.Groups) != 1 {
		t.Errorf("lock only: %d → %d in %d groups", g.Before, g.After, len(g.Groups))
	}
	if _, err := Compare(parseGrowthDump(t, "before.debug2.txt"), parseGrowthDump(t, "after.debug2.txt"), Filter{Include: "("}); err == nil {
		t.Error("a bad filter was accepted")
	}
}
