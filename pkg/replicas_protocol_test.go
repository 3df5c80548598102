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

// replicaContext is one replica's data source: the same uid, bucket and
// prefix as every other replica of the test, its own history and dump
// directories. extra is more jsonData, ending with a comma.
func replicaContext(t *testing.T, ft *faketarget.Target, srv *s3server.Server, bucket, extra string) *pluginv2.PluginContext {
	pc := pluginContext(fmt.Sprintf(`{"recordIntervalSeconds":5,"fullDumpIntervalSeconds":5,"historyDir":%q,"dumpStoreDir":%q,
		"objectStorage":{"endpoint":%q,"region":"us-east-1","bucket":%q,"prefix":%q,"pathStyle":true},%s
		"targets":[{"name":"t","url":%q}]}`, t.TempDir(), t.TempDir(), srv.Endpoint, bucket, "grafana/"+t.Name(), extra, ft.URL()))
	pc.DataSourceInstanceSettings.Uid = "replicated"
	pc.DataSourceInstanceSettings.DecryptedSecureJsonData = map[string]string{
		"objectStorageAccessKey": srv.AccessKey, "objectStorageSecretKey": srv.SecretKey,
	}
	return pc
}

// startReplicas starts two plugin processes as two Grafana replicas of one
// data source recording ft with a fresh bucket, has each create its
// instance, and waits until one of them leads.
func startReplicas(t *testing.T, ft *faketarget.Target, extra string) (clients []pluginClients, contexts []*pluginv2.PluginContext, leader int) {
	t.Helper()
	srv := s3server.Shared(t)
	bucket := srv.NewBucket(t)
	clients = []pluginClients{startPlugin(t), startPlugin(t)}
	contexts = []*pluginv2.PluginContext{replicaContext(t, ft, srv, bucket, extra), replicaContext(t, ft, srv, bucket, extra)}
	// Grafana creates an instance on its first request.
	for i := range clients {
		samplesOf(t, clients[i], contexts[i], "goroutines")
	}
	leader = -1
	waitFor(t, func() bool {
		for i := range clients {
			if s, _ := replicaStatus(t, clients[i], contexts[i]); s.Leading {
				leader = i
			}
		}
		return leader >= 0
	})
	return clients, contexts, leader
}

// killReplica kills a replica's process with SIGKILL and returns when.
func killReplica(t *testing.T, c pluginClients) time.Time {
	t.Helper()
	if err := syscall.Kill(c.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	return time.Now()
}

// waitTakeover waits for the surviving replica to record a sample taken
// after the leader was killed, failing past the stated takeover bound.
func waitTakeover(t *testing.T, survivor pluginClients, pc *pluginv2.PluginContext, killed time.Time) {
	t.Helper()
	bound := replicas.MaxTakeover(replicas.LeaseFor(replicaInterval), replicas.DefaultGrace) + replicaInterval
	for {
		times := samplesOf(t, survivor, pc, "goroutines")
		if len(times) > 0 && times[len(times)-1].After(killed) {
			t.Logf("the survivor recorded %s after the leader was killed (stated bound %s)", times[len(times)-1].Sub(killed).Round(time.Millisecond), bound)
			return
		}
		if time.Since(killed) > bound+5*time.Second {
			t.Fatalf("the survivor has not recorded %s after the leader was killed; the stated bound is %s", time.Since(killed).Round(time.Second), bound)
		}
		time.Sleep(100 * time.Millisecond)
	}
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
	ft := faketarget.Start()
	defer ft.Close()
	clients, contexts, leader := startReplicas(t, ft, "")
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
	waitTakeover(t, clients[follower], contexts[follower], killReplica(t, clients[leader]))
	once(t, "survivor", samplesOf(t, clients[follower], contexts[follower], "goroutines"))
	if s, _ := replicaStatus(t, clients[follower], contexts[follower]); !s.Leading {
		t.Errorf("the survivor's status after the takeover: %+v", s)
	}
}
