package profiles_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/profiles"
)

func TestDefaultSampleType(t *testing.T) {
	for _, c := range []struct {
		profileType, file, want string
	}{
		{"heap", "heap.pb.gz", "inuse_space"},
		{"heap", "heap.debug1.txt", "inuse_space"},
		{"allocs", "allocs.pb.gz", "alloc_space"},
		{"allocs", "allocs.debug1.txt", "alloc_space"},
		{"", "allocs.pb.gz", "alloc_space"},
		{"", "heap.pb.gz", "inuse_space"},
		{"cpu", "cpu.pb.gz", "cpu"},
		{"profile", "cpu.pb.gz", "cpu"},
		{"block", "block.pb.gz", "delay"},
		{"mutex", "mutex.debug1.txt", "delay"},
		{"goroutine", "goroutine.pb.gz", "goroutine"},
		{"goroutineleak", "goroutineleak.pb.gz", "goroutineleak"},
		{"goroutineleak", "goroutineleak.debug1.txt", "goroutineleak"},
		{"threadcreate", "threadcreate.pb.gz", "threadcreate"},
		{"threadcreate", "go1.19/threadcreate.debug1.txt", "threadcreate"},
	} {
		if got := profiles.DefaultSampleType(c.profileType, load(t, c.file)); got != c.want {
			t.Errorf("DefaultSampleType(%q, %s) = %q, want %q", c.profileType, c.file, got, c.want)
		}
	}
	types := profiles.SampleTypes(load(t, "heap.pb.gz"))
	if len(types) != 4 || types[3] != (profiles.SampleType{Name: "inuse_space", Unit: "bytes"}) || types[3].GrafanaUnit() != "bytes" {
		t.Errorf("heap sample types %v", types)
	}
	for unit, want := range map[string]string{"bytes": "bytes", "nanoseconds": "ns", "count": "short", "": "short"} {
		if got := profiles.GrafanaUnit(unit); got != want {
			t.Errorf("GrafanaUnit(%q) = %q, want %q", unit, got, want)
		}
	}
}

func TestUnknownSampleType(t *testing.T) {
	if _, err := profiles.Tree(load(t, "heap.pb.gz"), profiles.Options{SampleType: "delay"}); err == nil || !strings.Contains(err.Error(), "inuse_space") {
		t.Errorf("error %v, want one listing the sample types", err)
	}
}

func TestParseLabelMatchers(t *testing.T) {
	got, err := profiles.ParseLabelMatchers(`handler="/api/a,b", worker=~ingest|report , tenant!="", zone!~eu-.*`)
	if err != nil {
		t.Fatal(err)
	}
	want := []profiles.LabelMatcher{
		{Key: "handler", Op: profiles.MatchEqual, Value: "/api/a,b"},
		{Key: "worker", Op: profiles.MatchRegexp, Value: "ingest|report"},
		{Key: "tenant", Op: profiles.MatchNotEqual, Value: ""},
		{Key: "zone", Op: profiles.MatchNotRegexp, Value: "eu-.*"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"=x", "k", `k="unterminated`, "k=~(", `k="a" j=b`} {
		if _, err := profiles.ParseLabelMatchers(bad); err == nil {
			t.Errorf("ParseLabelMatchers(%q): no error", bad)
		}
	}
}

func TestLabelFilterAndGroupBy(t *testing.T) {
	p := load(t, "goroutine.pb.gz")
	total := sampleTotal(p, "goroutine")

	counts, err := profiles.LabelCounts(p, profiles.Options{GroupBy: "handler"})
	if err != nil {
		t.Fatal(err)
	}
	want := []profiles.LabelCount{
		{Value: "", Present: false, Total: total - 50},
		{Value: "/api/orders", Present: true, Total: 30},
		{Value: "/api/users", Present: true, Total: 20},
	}
	if len(counts.Counts) != 3 || counts.Total != total {
		t.Fatalf("counts %+v", counts)
	}
	for i, c := range counts.Counts {
		c.Samples = 0
		if c != want[i] {
			t.Errorf("count %d: %+v, want %+v", i, c, want[i])
		}
	}

	for _, c := range []struct {
		matcher profiles.LabelMatcher
		want    int64
	}{
		{profiles.LabelMatcher{Key: "handler", Op: profiles.MatchEqual, Value: "/api/orders"}, 30},
		{profiles.LabelMatcher{Key: "handler", Op: profiles.MatchRegexp, Value: "/api/.*"}, 50},
		{profiles.LabelMatcher{Key: "handler", Op: profiles.MatchNotEqual, Value: "/api/orders"}, total - 30},
		{profiles.LabelMatcher{Key: "handler", Op: profiles.MatchNotRegexp, Value: ".+"}, total - 50},
	} {
		tree, err := profiles.Tree(p, profiles.Options{LabelFilter: []profiles.LabelMatcher{c.matcher}})
		if err != nil {
			t.Fatal(err)
		}
		checkTree(t, tree)
		if tree.Total() != c.want {
			t.Errorf("%s: total %d, want %d", c.matcher, tree.Total(), c.want)
		}
	}

	grouped, err := profiles.Tree(p, profiles.Options{GroupBy: "handler"})
	if err != nil {
		t.Fatal(err)
	}
	checkTree(t, grouped)
	groups := map[string]int64{}
	for i := range grouped.Len() {
		if grouped.Level[i] == 1 {
			groups[grouped.LabelOf(i)] = grouped.Value[i]
		}
	}
	wantGroups := map[string]int64{"handler=/api/orders": 30, "handler=/api/users": 20, "handler=<unset>": total - 50}
	if !reflect.DeepEqual(groups, wantGroups) {
		t.Errorf("groups %v, want %v", groups, wantGroups)
	}

	if keys := profiles.LabelKeys(p); !reflect.DeepEqual(keys, []string{"handler"}) {
		t.Errorf("label keys %v", keys)
	}
	if _, err := profiles.LabelCounts(p, profiles.Options{}); err == nil {
		t.Error("label counts without a key: no error")
	}
}

func TestBadOptions(t *testing.T) {
	p := load(t, "cpu.pb.gz")
	for _, o := range []profiles.Options{
		{Focus: "("},
		{Ignore: "[a-"},
		{Hide: "*"},
		{MaxNodes: -1},
		{NodeFraction: 1.5},
		{LabelFilter: []profiles.LabelMatcher{{Key: "k", Op: "~", Value: "v"}}},
	} {
		if _, err := profiles.Tree(p, o); err == nil {
			t.Errorf("Tree with %+v: no error", o)
		}
		if _, err := profiles.Top(p, o); err == nil {
			t.Errorf("Top with %+v: no error", o)
		}
	}
}
