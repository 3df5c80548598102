package main

import (
	"fmt"
	"slices"
	"strings"
)

// startupScenarios are small, steady misbehaviours a fresh container can
// start with, so dashboards have something to show without any clicking.
// They are small enough to run for days: the leak stops at its cap.
var startupScenarios = map[string]func(s *service) error{
	"explosion": func(s *service) error { return s.deadlock.start(300) },
	"chanblock": func(s *service) error { return s.chanBlock.start(50) },
	"leak":      func(s *service) error { return s.leak.start(1, 2000) },
	"threads":   func(s *service) error { return s.threads.start(8, 4) },
	"rss":       func(s *service) error { return s.memory.start(64) },
	"spike": func(s *service) error {
		s.scheduleSpike(spikeDelay)
		return nil
	},
}

// scenarioNames lists the scenario names in a stable order for messages.
func scenarioNames() string {
	names := make([]string, 0, len(startupScenarios))
	for name := range startupScenarios {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// parseScenario turns "none", "all" or a comma-separated list of scenario
// names into the names to start, rejecting unknown ones.
func parseScenario(spec string) ([]string, error) {
	spec = strings.TrimSpace(spec)
	switch spec {
	case "", "none":
		return nil, nil
	case "all":
		return strings.Split(scenarioNames(), ", "), nil
	}
	var names []string
	for name := range strings.SplitSeq(spec, ",") {
		name = strings.TrimSpace(name)
		if _, ok := startupScenarios[name]; !ok {
			return nil, fmt.Errorf("unknown scenario %q: use none, all, or a comma-separated list of %s", name, scenarioNames())
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names, nil
}

// startScenario starts the misbehaviours spec names.
func (s *service) startScenario(spec string) error {
	names, err := parseScenario(spec)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range names {
		if err := startupScenarios[name](s); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}
