//go:build protocol

package main

// Two plugin processes, as two Grafana replicas would run them, configured
// with the same bucket and capture rules: a jump of a target's goroutines
// is captured once, listed and annotated the same through both, and after
// the recorder's process is killed with SIGKILL the other captures the
// next jump, once.

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/goscope/pprof/pkg/internal/faketarget"
)

// captureLines lists a target's captured dumps through a replica's dump
// API, one line per dump with its bundle, reason and capture time.
func captureLines(t *testing.T, c pluginClients, pc *pluginv2.PluginContext) []string {
	t.Helper()
	var lines []string
	for _, d := range listDumps(t, c, pc, url.Values{"source": {"capture:t"}}) {
		if d.Capture == nil {
			t.Fatalf("%s is listed under the capture source without a capture", d.ID)
		}
		lines = append(lines, fmt.Sprintf("%s %s | %s | %s | baseline %t", d.ID, d.Format, d.Capture.Bundle, d.Capture.Reason, d.Capture.Baseline))
	}
	slices.Sort(lines)
	return lines
}

// captureBundle is one capture bundle as a replica lists it: the reason,
// the time its rules fired and how many parts it has.
type captureBundle struct {
	reason string
	at     time.Time
	// parts counts them all, fetched those fetched when the rules fired
	// (all but the baseline).
	parts, fetched int
}

// captureBundles groups a target's captured dumps by bundle.
func captureBundles(t *testing.T, c pluginClients, pc *pluginv2.PluginContext) map[string]captureBundle {
	t.Helper()
	bundles := map[string]captureBundle{}
	for _, d := range listDumps(t, c, pc, url.Values{"source": {"capture:t"}}) {
		b := bundles[d.Capture.Bundle]
		if b.parts > 0 && (b.reason != d.Capture.Reason || !b.at.Equal(d.Capture.At)) {
			t.Fatalf("the parts of bundle %s disagree: %q at %v and %q at %v", d.Capture.Bundle, b.reason, b.at, d.Capture.Reason, d.Capture.At)
		}
		b.reason, b.at, b.parts = d.Capture.Reason, d.Capture.At, b.parts+1
		if !d.Capture.Baseline {
			b.fetched++
		}
		bundles[d.Capture.Bundle] = b
	}
	return bundles
}

// captureAnnotations are the capture annotations through a replica, one
// line per annotation with its time, title and text.
func captureAnnotations(t *testing.T, c pluginClients, pc *pluginv2.PluginContext) []string {
	t.Helper()
	frames, errText := queryData(t, c, pc, `{"queryType":"dumps","view":"annotations","dumpSource":"capture"}`)
	if errText != "" {
		t.Fatal(errText)
	}
	f := frames[0]
	at, _ := f.FieldByName("time")
	title, _ := f.FieldByName("title")
	text, _ := f.FieldByName("text")
	if at == nil || title == nil || text == nil {
		t.Fatalf("the annotations frame has no time, title or text field: %v", f.Fields)
	}
	var lines []string
	for i := range f.Rows() {
		lines = append(lines, fmt.Sprintf("%v | %v | %v", at.At(i), title.At(i), text.At(i)))
	}
	return lines
}

// fullDumpsWithin fails when the target served more full dumps since
// start than one per record interval, plus extra.
func fullDumpsWithin(t *testing.T, ft *faketarget.Target, start time.Time, extra int, what string) {
	t.Helper()
	elapsed := time.Since(start)
	n, allowed := ft.FullDumps(), int(elapsed/replicaInterval)+1+extra
	t.Logf("%s: %d full dumps in %s", what, n, elapsed.Round(time.Millisecond))
	if n > allowed {
		t.Errorf("%s: %d full dumps in %s at a %s interval; at most %d allowed", what, n, elapsed.Round(time.Millisecond), replicaInterval, allowed)
	}
}

func TestPluginReplicasCaptureOnce(t *testing.T) {
	ft := faketarget.Start()
	defer ft.Close()
	start := time.Now()
	clients, contexts, leader := startReplicas(t, ft, jumpRules)
	follower := 1 - leader
	waitForLong(t, "two samples and a full dump before the jump", func() bool {
		return len(samplesOf(t, clients[leader], contexts[leader], "goroutines")) >= 2 &&
			len(samplesOf(t, clients[leader], contexts[leader], "goroutines_lock")) >= 1
	})
	ft.Grow()

	// One bundle, listed and annotated the same through both replicas.
	var lines []string
	waitForLong(t, "a capture of the jump listed through both replicas", func() bool {
		lines = captureLines(t, clients[leader], contexts[leader])
		return len(lines) >= bundleParts && slices.Equal(lines, captureLines(t, clients[follower], contexts[follower]))
	})
	bundles := captureBundles(t, clients[follower], contexts[follower])
	if len(bundles) != 1 {
		t.Fatalf("%d bundles for one jump:\n%v", len(bundles), lines)
	}
	var first string
	var firstAt time.Time
	for name, b := range bundles {
		first, firstAt = name, b.at
		if b.reason != jumpReason || b.parts != bundleParts {
			t.Errorf("bundle %s: %d parts, reason %q; want %d parts, reason %q", name, b.parts, b.reason, bundleParts, jumpReason)
		}
	}
	var notes []string
	waitFor(t, func() bool {
		notes = captureAnnotations(t, clients[leader], contexts[leader])
		return slices.Equal(notes, captureAnnotations(t, clients[follower], contexts[follower]))
	})
	if len(notes) != 1 {
		t.Fatalf("%d capture annotations for one jump: %v", len(notes), notes)
	}
	// The capture fetches its own full dump: the recorder's is not kept
	// for others (README, "Hundreds of targets"). A second replica
	// capturing would add another.
	fullDumpsWithin(t, ft, start, 1, "one capture by two replicas")

	// SIGKILL the leader; the target falls back, and once the survivor
	// has two samples of it for the mean and the cooldown of the first
	// capture has passed, it jumps again.
	killed := killReplica(t, clients[leader])
	ft.Shrink()
	shrunk := time.Now()
	survivor, pc := clients[follower], contexts[follower]
	waitTakeover(t, survivor, pc, killed)
	// The survivor's own full dump of the fallen-back target is the next
	// capture's baseline.
	after := func(figure string) int {
		n := 0
		for _, at := range samplesOf(t, survivor, pc, figure) {
			if at.After(shrunk) {
				n++
			}
		}
		return n
	}
	waitForLong(t, "two samples and a full dump of the target fallen back", func() bool {
		return after("goroutines") >= 2 && after("goroutines_lock") >= 1
	})
	// A sample taken within the cooldown does not fire; the second
	// before the target grows leaves room for the sample's own read.
	time.Sleep(time.Until(firstAt.Add(time.Minute + time.Second)))
	ft.Grow()

	waitForLong(t, "a capture by the survivor", func() bool {
		bundles = captureBundles(t, survivor, pc)
		for name, b := range bundles {
			if name != first && b.fetched >= bundleParts-1 {
				return true
			}
		}
		return false
	})
	if len(bundles) != 2 {
		t.Fatalf("%d bundles for two jumps: %v", len(bundles), captureLines(t, survivor, pc))
	}
	for name, b := range bundles {
		if name == first {
			if b.parts != bundleParts || !b.at.Equal(firstAt) {
				t.Errorf("the first bundle changed: %d parts at %v", b.parts, b.at)
			}
			continue
		}
		// The baseline part is not checked: full dumps and samples are
		// spread apart over the interval, so the last full dump before
		// the sample that crossed may already show the jump, and is then
		// the capture's own dump, stored once.
		if b.reason != jumpReason || b.fetched != bundleParts-1 || !b.at.After(killed) {
			t.Errorf("bundle %s: %d parts fetched at %v, reason %q; want %d after %v, reason %q", name, b.fetched, b.at, b.reason, bundleParts-1, killed, jumpReason)
		}
		t.Logf("the survivor's bundle %s: %d parts, %d fetched when the rules fired", name, b.parts, b.fetched)
	}
	t.Logf("listed through the survivor:\n%s", strings.Join(captureLines(t, survivor, pc), "\n"))
	if notes := captureAnnotations(t, survivor, pc); len(notes) != 2 {
		t.Errorf("%d capture annotations for two jumps: %v", len(notes), notes)
	}
	// The takeover may bring the survivor's first full dump within an
	// interval of the leader's last.
	// One more for the takeover, and each capture's own.
	fullDumpsWithin(t, ft, start, 3, "two captures and a takeover")
	t.Logf("%s in all", time.Since(start).Round(time.Second))
}
