//go:build protocol

package main

// Two plugin processes, as two Grafana replicas would run them, configured
// with the same bucket: one records, each target is polled once per
// interval, history reads the same through both, and when the recorder's
// process is killed with SIGKILL the other records on within the stated
// time.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/goscope/pprof/pkg/internal/faketarget"
	"github.com/goscope/pprof/pkg/internal/s3server"
	"github.com/goscope/pprof/pkg/replicas"
)

// replicaInterval is the shortest record interval the settings allow.
const replicaInterval = 5 * time.Second

// replicaContext is one replica's data source: the same uid and bucket as
// every other replica, its own history and dump directories.
func replicaContext(t *testing.T, ft *faketarget.Target, srv *s3server.Server, bucket string) *pluginv2.PluginContext {
	pc := pluginContext(fmt.Sprintf(`{"recordIntervalSeconds":5,"fullDumpIntervalSeconds":5,"historyDir":%q,"dumpStoreDir":%q,
		"objectStorage":{"endpoint":%q,"region":"us-east-1","bucket":%q,"pathStyle":true},
		"targets":[{"name":"t","url":%q}]}`, t.TempDir(), t.TempDir(), srv.Endpoint, bucket, ft.URL()))
	pc.DataSourceInstanceSettings.Uid = "replicated"
	pc.DataSourceInstanceSettings.DecryptedSecureJsonData = map[string]string{
		"objectStorageAccessKey": srv.AccessKey, "objectStorageSecretKey": srv.SecretKey,
	}
	return pc
}

// replicaStatus is what a replica's health check says of the recorder.
func replicaStatus(t *testing.T, c pluginClients, pc *pluginv2.PluginContext) (replicas.Status, string) {
	t.Helper()
	res, err := c.diagnostics.CheckHealth(context.Background(), &pluginv2.CheckHealthRequest{PluginContext: pc})
	if err != nil {
		t.Fatal(err)
	}
	var details struct{ Replicas *replicas.Status }
	if err := json.Unmarshal(res.JsonDetails, &details); err != nil || details.Replicas == nil {
		t.Fatalf("health details %s: %v", res.JsonDetails, err)
	}
	return *details.Replicas, res.Message
}

// once fails when a time appears twice.
func once(t *testing.T, who string, times []time.Time) {
	t.Helper()
	for i := 1; i < len(times); i++ {
		if !times[i].After(times[i-1]) {
			t.Fatalf("%s: sample %d at %v follows %v", who, i, times[i], times[i-1])
		}
	}
}

func TestPluginReplicasRecordOnce(t *testing.T) {
	srv := s3server.Shared(t)
	bucket := srv.NewBucket(t)
	ft := faketarget.Start()
	defer ft.Close()
	clients := []pluginClients{startPlugin(t), startPlugin(t)}
	contexts := []*pluginv2.PluginContext{replicaContext(t, ft, srv, bucket), replicaContext(t, ft, srv, bucket)}
	// Grafana creates an instance on its first request.
	for i := range clients {
		samplesOf(t, clients[i], contexts[i], "goroutines")
	}
	leader := -1
	waitFor(t, func() bool {
		for i := range clients {
			if s, _ := replicaStatus(t, clients[i], contexts[i]); s.Leading {
				leader = i
			}
		}
		return leader >= 0
	})
	follower := 1 - leader
	leaderStatus, _ := replicaStatus(t, clients[leader], contexts[leader])
	var status replicas.Status
	var message string
	waitFor(t, func() bool {
		status, message = replicaStatus(t, clients[follower], contexts[follower])
		return status.Leader != ""
	})
	if status.Leading || status.Leader != leaderStatus.Replica {
		t.Fatalf("the follower's status %+v; the leader is %s", status, leaderStatus.Replica)
	}
	t.Logf("follower's health check: %s", message)

	// Three intervals of both replicas running: one round and one full
	// dump per interval, not one per replica. A round reads the index
	// page, and so does a full dump (for the goroutine count that guards
	// it).
	polls, dumps, from := ft.Requests(""), ft.FullDumps(), time.Now()
	time.Sleep(3 * replicaInterval)
	elapsed := time.Since(from)
	allowed := int(elapsed/replicaInterval) + 1
	index, full := ft.Requests("")-polls, ft.FullDumps()-dumps
	t.Logf("in %s: %d reads of the index page, %d full dumps", elapsed.Round(time.Millisecond), index, full)
	if rounds := index - full; rounds > allowed {
		t.Errorf("the target was polled %d times in %s by two replicas at a %s interval; at most %d allowed", rounds, elapsed.Round(time.Millisecond), replicaInterval, allowed)
	}
	if full > allowed {
		t.Errorf("%d full dumps in %s; at most %d allowed", full, elapsed.Round(time.Millisecond), allowed)
	}

	// The follower answers the leader's history, each sample once.
	var recorded, imported []time.Time
	waitFor(t, func() bool {
		recorded = samplesOf(t, clients[leader], contexts[leader], "goroutines")
		imported = samplesOf(t, clients[follower], contexts[follower], "goroutines")
		return len(imported) >= 3
	})
	once(t, "leader", recorded)
	once(t, "follower", imported)
	for _, at := range imported {
		if !slices.ContainsFunc(recorded, at.Equal) {
			t.Errorf("the follower has a sample at %v the leader did not record", at)
		}
	}
	if states := samplesOf(t, clients[follower], contexts[follower], "goroutines_lock"); len(states) == 0 {
		t.Error("the follower has no states over time from the leader's full dumps")
	}

	// SIGKILL the leader: the follower records within the stated time.
	pid := clients[leader].process.ReattachConfig().Pid
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	bound := replicas.MaxTakeover(replicas.LeaseFor(replicaInterval), replicas.DefaultGrace) + replicaInterval
	for {
		times := samplesOf(t, clients[follower], contexts[follower], "goroutines")
		if len(times) > 0 && times[len(times)-1].After(killed) {
			t.Logf("the follower recorded %s after the leader was killed (stated bound %s)", times[len(times)-1].Sub(killed).Round(time.Millisecond), bound)
			break
		}
		if time.Since(killed) > bound+5*time.Second {
			t.Fatalf("the follower has not recorded %s after the leader was killed; the stated bound is %s", time.Since(killed).Round(time.Second), bound)
		}
		time.Sleep(100 * time.Millisecond)
	}
	once(t, "survivor", samplesOf(t, clients[follower], contexts[follower], "goroutines"))
	if s, _ := replicaStatus(t, clients[follower], contexts[follower]); !s.Leading {
		t.Errorf("the survivor's status after the takeover: %+v", s)
	}
}
