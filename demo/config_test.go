package main

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(key string) string { return vars[key] }
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want config
	}{
		{"defaults", nil, nil, config{":6060", 10 * time.Second, "none", "", time.Minute}},
		{"environment", nil, map[string]string{"DEMO_ADDR": ":7070", "DEMO_SCENARIO": "all"}, config{":7070", 10 * time.Second, "all", "", time.Minute}},
		{"flags win", []string{"-addr=:8080", "-scenario=leak,rss", "-gc-interval=0"},
			map[string]string{"DEMO_ADDR": ":7070", "DEMO_SCENARIO": "all"}, config{":8080", 0, "leak,rss", "", time.Minute}},
	} {
		got, err := parseConfig(tc.args, env(tc.env))
		if err != nil || got != tc.want {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	for _, args := range [][]string{{"-gc-interval=-1s"}, {"-scenario=meltdown"}, {"stray"}} {
		if _, err := parseConfig(args, env(nil)); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestParseScenario(t *testing.T) {
	for spec, want := range map[string][]string{
		"none":                       nil,
		"":                           nil,
		"all":                        {"chanblock", "explosion", "leak", "rss", "spike", "threads"},
		" explosion, leak,explosion": {"explosion", "leak"},
	} {
		got, err := parseScenario(spec)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%q: got %q, %v; want %q", spec, got, err, want)
		}
	}
	if _, err := parseScenario("explosion,meltdown"); err == nil || !strings.Contains(err.Error(), `"meltdown"`) {
		t.Errorf("unknown scenario: error %v, want one naming it", err)
	}
}

func TestParseProcStatus(t *testing.T) {
	const status = "Name:\tdemo\nState:\tS (sleeping)\nVmRSS:\t   12180 kB\nRssAnon:\t    3072 kB\nThreads:\t7\n"
	threads, rss := parseProcStatus(strings.NewReader(status))
	if threads == nil || *threads != 7 || rss == nil || *rss != 12180<<10 {
		t.Errorf("got threads %v, rss %v; want 7 and %d", threads, rss, 12180<<10)
	}
	threads, rss = parseProcStatus(strings.NewReader("Name:\tdemo\n"))
	if threads != nil || rss != nil {
		t.Errorf("missing lines: got %v, %v; want nil", threads, rss)
	}
}

func TestForceGCEveryRunsCollections(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		forceGCEvery(ctx, 10*time.Millisecond)
		close(stopped)
	}()
	start := numGC()
	waitFor(t, "two forced collections", func() (bool, string) {
		return numGC() >= start+2, "too few collections"
	})
	cancel()
	<-stopped

	// A zero interval returns at once.
	forceGCEvery(context.Background(), 0)
}

func numGC() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}
