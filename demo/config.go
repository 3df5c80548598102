package main

import (
	"flag"
	"fmt"
	"time"
)

// config is what the command line and environment choose.
type config struct {
	addr       string
	gcInterval time.Duration
	scenario   string
	// dumpDir, when set, receives timestamped goroutine and heap dumps
	// every dumpInterval, as an in-process dumper such as holmes writes.
	dumpDir      string
	dumpInterval time.Duration
}

// parseConfig reads flags from args. DEMO_ADDR and DEMO_SCENARIO, when set,
// replace the built-in defaults so a container can be configured without a
// command line; an explicit flag still wins.
func parseConfig(args []string, getenv func(string) string) (config, error) {
	cfg := config{addr: ":6060", gcInterval: 10 * time.Second, scenario: "none", dumpInterval: time.Minute}
	if v := getenv("DEMO_ADDR"); v != "" {
		cfg.addr = v
	}
	if v := getenv("DEMO_SCENARIO"); v != "" {
		cfg.scenario = v
	}
	if v := getenv("DEMO_DUMP_DIR"); v != "" {
		cfg.dumpDir = v
	}

	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "listen address (env DEMO_ADDR)")
	fs.DurationVar(&cfg.gcInterval, "gc-interval", cfg.gcInterval,
		"force a GC this often so goroutine dumps show wait times; 0 disables")
	fs.StringVar(&cfg.scenario, "scenario", cfg.scenario,
		"misbehaviours to start at startup: none, all, or a comma-separated list of "+scenarioNames()+" (env DEMO_SCENARIO)")
	fs.StringVar(&cfg.dumpDir, "dump-dir", cfg.dumpDir,
		"write timestamped goroutine and heap dumps into this directory (env DEMO_DUMP_DIR); empty disables")
	fs.DurationVar(&cfg.dumpInterval, "dump-interval", cfg.dumpInterval, "how often to write dumps into -dump-dir")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.gcInterval < 0 {
		return config{}, fmt.Errorf("-gc-interval must not be negative, got %s", cfg.gcInterval)
	}
	if cfg.dumpDir != "" && cfg.dumpInterval < time.Second {
		return config{}, fmt.Errorf("-dump-interval must be at least 1s, got %s", cfg.dumpInterval)
	}
	if _, err := parseScenario(cfg.scenario); err != nil {
		return config{}, err
	}
	return cfg, nil
}
