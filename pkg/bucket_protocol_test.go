//go:build protocol

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"

	"github.com/goscope/pprof/pkg/internal/s3server"
	"github.com/goscope/pprof/pkg/objstore"
)

var protocolBucket struct {
	once sync.Once
	name string
}

// bucketReplicas starts two plugin processes, each with its own data
// directory, configured with the same SeaweedFS bucket as dump store: two
// Grafana replicas behind a load balancer.
func bucketReplicas(t *testing.T) (a, b pluginClients, pc *pluginv2.PluginContext) {
	t.Helper()
	srv := s3server.Shared(t)
	// Each bucket takes volumes of the test server: the tests share one,
	// each under its own prefix.
	protocolBucket.once.Do(func() { protocolBucket.name = srv.NewBucket(t) })
	pc = pluginContext(fmt.Sprintf(`{"objectStorage":{"endpoint":%q,"bucket":%q,"prefix":%q,"pathStyle":true},"maxCoreUploadMiB":8192,"dumpQuotaMiB":8192}`,
		srv.Endpoint, protocolBucket.name, "grafana/"+t.Name()))
	pc.DataSourceInstanceSettings.Uid = "replicated"
	pc.DataSourceInstanceSettings.DecryptedSecureJsonData = map[string]string{
		"objectStorageAccessKey": srv.AccessKey, "objectStorageSecretKey": srv.SecretKey,
	}
	a = startPluginWith(t, "GF_PATHS_DATA="+t.TempDir())
	b = startPluginWith(t, "GF_PATHS_DATA="+t.TempDir())
	return a, b, pc
}

func listed(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, id string) (listedDump, bool) {
	for _, d := range listDumps(t, c, pc, nil) {
		if d.ID == id {
			return d, true
		}
	}
	return listedDump{}, false
}

func goroutineCount(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, id string) float64 {
	t.Helper()
	frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q}`, id))
	if errText != "" {
		t.Fatalf("query of %s: %s", id, errText)
	}
	return frames[0].Fields[0].At(0).(float64)
}

func TestPluginReplicasShareABucket(t *testing.T) {
	a, b, pc := bucketReplicas(t)
	res, err := a.diagnostics.CheckHealth(t.Context(), &pluginv2.CheckHealthRequest{PluginContext: pc})
	if err != nil {
		t.Fatalf("health: %v", err)
	}
	var health struct {
		Store struct {
			Kind, Location string
			OK             bool
		}
	}
	if json.Unmarshal(res.JsonDetails, &health) != nil || !health.Store.OK || health.Store.Kind != "object storage" {
		t.Fatalf("health of the store: %s (%s)", res.JsonDetails, res.Message)
	}

	// A single-request upload through one replica, listed and queried
	// through the other.
	dump := gunzipFile(t, "goroutines/testdata/corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt.gz")
	small := dump[:len(dump)/40]
	small = small[:lastBlankLine(small)]
	code2, body2 := callResource(t, a, pc, "POST", "dumps?name="+url.QueryEscape("goroutine.20260301T120000Z.txt"), small)
	var single struct{ ID string }
	if code2 != 201 || json.Unmarshal(body2, &single) != nil {
		t.Fatalf("single-request upload: %d %s", code2, body2)
	}
	waitFor(t, func() bool { _, ok := listed(t, b, pc, single.ID); return ok })
	if n := goroutineCount(t, b, pc, single.ID); n <= 0 {
		t.Errorf("queried through the other replica: %v goroutines", n)
	}

	// A chunked upload whose chunks alternate between the replicas, as a
	// load balancer may send them.
	id := uploadSpread(t, []pluginClients{a, b}, pc, "sigquit.txt", dump)
	if n := goroutineCount(t, a, pc, id); n != 2349 {
		t.Errorf("chunked upload spread over replicas: %v goroutines, want 2349", n)
	}

	// A capture time corrected through one replica shows on the other.
	fixed := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	patch, _ := json.Marshal(map[string]any{"capturedAt": fixed})
	if code, body := callResource(t, b, pc, "PATCH", "dumps/"+id, patch); code != 200 {
		t.Fatalf("correct capture time: %d %s", code, body)
	}
	waitFor(t, func() bool {
		d, ok := listed(t, a, pc, id)
		return ok && d.CapturedAt.Equal(fixed) && d.CapturedFrom == "user"
	})

	// Deleted through one replica: gone from the other.
	if code, body := callResource(t, a, pc, "DELETE", "dumps/"+single.ID, nil); code != 204 && code != 200 {
		t.Fatalf("delete: %d %s", code, body)
	}
	waitFor(t, func() bool { _, ok := listed(t, b, pc, single.ID); return !ok })
	if _, errText := queryData(t, b, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q}`, single.ID)); errText == "" {
		t.Error("a dump deleted through the other replica is still queried")
	}
}

// uploadSpread sends a chunked upload's requests to the replicas in turn.
func uploadSpread(t *testing.T, replicas []pluginClients, pc *pluginv2.PluginContext, name string, content []byte) string {
	t.Helper()
	begin, _ := json.Marshal(map[string]any{"name": name, "size": len(content)})
	code, body := callResource(t, replicas[0], pc, "POST", "dumps/uploads", begin)
	var up struct {
		UploadID  string `json:"uploadId"`
		ChunkSize int    `json:"chunkSize"`
	}
	if code != 201 || json.Unmarshal(body, &up) != nil {
		t.Fatalf("begin upload: %d %s", code, body)
	}
	i := 0
	for off := 0; off < len(content); off += up.ChunkSize {
		i++
		end := min(off+up.ChunkSize, len(content))
		if code, body := callResource(t, replicas[i%len(replicas)], pc, "PUT", fmt.Sprintf("dumps/uploads/%s?offset=%d", up.UploadID, off), content[off:end]); code != 200 {
			t.Fatalf("chunk at %d: %d %s", off, code, body)
		}
	}
	code, body = callResource(t, replicas[(i+1)%len(replicas)], pc, "POST", "dumps/uploads/"+up.UploadID+"/finish", nil)
	var entry struct{ ID string }
	if (code != 201 && code != 200) || json.Unmarshal(body, &entry) != nil {
		t.Fatalf("finish upload: %d %s", code, body)
	}
	return entry.ID
}

// lastBlankLine is where a prefix of a goroutine dump ends on a whole
// goroutine.
func lastBlankLine(b []byte) int {
	for i := len(b) - 2; i > 0; i-- {
		if b[i] == '\n' && b[i+1] == '\n' {
			return i + 1
		}
	}
	return len(b)
}

// A replica killed with SIGKILL halfway through a chunked upload leaves
// nothing partial listed, and the client finishes the upload through the
// other replica, which has every chunk acknowledged.
func TestPluginReplicaKilledMidUpload(t *testing.T) {
	a, b, pc := bucketReplicas(t)
	before := listDumps(t, b, pc, nil)
	dump := gunzipFile(t, "goroutines/testdata/corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt.gz")
	begin, _ := json.Marshal(map[string]any{"name": "killed.txt", "size": len(dump)})
	code, body := callResource(t, a, pc, "POST", "dumps/uploads", begin)
	var up struct {
		UploadID  string `json:"uploadId"`
		ChunkSize int    `json:"chunkSize"`
	}
	if code != 201 || json.Unmarshal(body, &up) != nil {
		t.Fatalf("begin upload: %d %s", code, body)
	}
	half := (len(dump) / 2 / up.ChunkSize) * up.ChunkSize
	for off := 0; off < half; off += up.ChunkSize {
		if code, body := callResource(t, a, pc, "PUT", fmt.Sprintf("dumps/uploads/%s?offset=%d", up.UploadID, off), dump[off:off+up.ChunkSize]); code != 200 {
			t.Fatalf("chunk at %d: %d %s", off, code, body)
		}
	}
	if err := syscall.Kill(a.pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if after := listDumps(t, b, pc, nil); len(after) != len(before) {
		t.Fatalf("the killed upload shows: %d dumps listed, %d before", len(after), len(before))
	}
	// A chunk resent from the start is refused with where to resume.
	code, body = callResource(t, b, pc, "PUT", fmt.Sprintf("dumps/uploads/%s?offset=0", up.UploadID), dump[:up.ChunkSize])
	if code != 409 {
		t.Fatalf("resent chunk: %d %s", code, body)
	}
	for off := half; off < len(dump); off += up.ChunkSize {
		end := min(off+up.ChunkSize, len(dump))
		if code, body := callResource(t, b, pc, "PUT", fmt.Sprintf("dumps/uploads/%s?offset=%d", up.UploadID, off), dump[off:end]); code != 200 {
			t.Fatalf("chunk at %d through the surviving replica: %d %s", off, code, body)
		}
	}
	code, body = callResource(t, b, pc, "POST", "dumps/uploads/"+up.UploadID+"/finish", nil)
	var entry struct{ ID string }
	if code != 201 || json.Unmarshal(body, &entry) != nil {
		t.Fatalf("finish through the surviving replica: %d %s", code, body)
	}
	if n := goroutineCount(t, b, pc, entry.ID); n != 2349 {
		t.Errorf("%v goroutines, want 2349", n)
	}
}

// A core dump and its executable uploaded through one replica are read
// (with Delve, from local copies) through the other.
func TestPluginReplicasShareCoreDumps(t *testing.T) {
	dir := t.TempDir()
	bin, core, _ := scenarioCore(t, dir)
	a, b, pc := bucketReplicas(t)
	code, body := uploadFile(t, a, pc, bin, fileSize(t, bin), map[string]any{"kind": "executable"})
	var exe struct {
		Executable struct{ ID string } `json:"executable"`
	}
	if code != 201 || json.Unmarshal(body, &exe) != nil {
		t.Fatalf("executable upload: %d %s", code, body)
	}
	code, body = uploadFile(t, a, pc, core, fileSize(t, core), map[string]any{"executable": exe.Executable.ID})
	var entry struct{ ID, Format string }
	if code != 201 || json.Unmarshal(body, &entry) != nil || entry.Format != "core" {
		t.Fatalf("core upload: %d %s", code, body)
	}
	waitFor(t, func() bool { _, ok := listed(t, b, pc, entry.ID); return ok })
	states := func(c pluginClients) map[string]int64 {
		frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"states","dump":%q}`, entry.ID))
		if errText != "" {
			t.Fatal(errText)
		}
		return stateCounts(t, frames)
	}
	viaA, viaB := states(a), states(b)
	if len(viaB) == 0 || viaB["sync.Mutex.Lock"] <= 0 {
		t.Fatalf("states of the core through the other replica: %v", viaB)
	}
	for state, n := range viaA {
		if viaB[state] != n {
			t.Errorf("%s: %d through one replica, %d through the other", state, n, viaB[state])
		}
	}
	if code, body := callResource(t, b, pc, "DELETE", "dumps/"+entry.ID, nil); code != 204 && code != 200 {
		t.Fatalf("delete the core through the other replica: %d %s", code, body)
	}
	waitFor(t, func() bool { _, ok := listed(t, a, pc, entry.ID); return !ok })
}

// A bucket prefix that a sidecar ships holmes files to is a dump source:
// listed with capture times from the names, and queried.
func TestPluginBucketSource(t *testing.T) {
	srv := s3server.Shared(t)
	protocolBucket.once.Do(func() { protocolBucket.name = srv.NewBucket(t) })
	prefix := "shipped/" + t.Name()
	b, err := objstore.OpenS3(objstore.S3Config{Endpoint: srv.Endpoint, Bucket: protocolBucket.name, Prefix: prefix,
		PathStyle: true, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	dump := gunzipFile(t, "goroutines/testdata/corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt.gz")
	if err := b.Put(t.Context(), "api-1/goroutine.20261121103015.123.log", bytes.NewReader(dump), int64(len(dump))); err != nil {
		t.Fatal(err)
	}
	pc := pluginContext(fmt.Sprintf(`{"dumpStoreDir":%q,"dumpBuckets":[{"name":"shipped","endpoint":%q,"bucket":%q,"prefix":%q,"pathStyle":true}]}`,
		t.TempDir(), srv.Endpoint, protocolBucket.name, prefix))
	pc.DataSourceInstanceSettings.Uid = "bucket-source"
	pc.DataSourceInstanceSettings.DecryptedSecureJsonData = map[string]string{
		"dumpBucketAccessKey.shipped": srv.AccessKey, "dumpBucketSecretKey.shipped": srv.SecretKey,
	}
	c := startPluginWith(t, "GF_PATHS_DATA="+t.TempDir())
	listed := listDumps(t, c, pc, url.Values{"source": {"bucket:shipped"}})
	want := time.Date(2026, 11, 21, 10, 30, 15, 123e6, time.UTC)
	if len(listed) != 1 || listed[0].ID != "bucket:shipped:api-1/goroutine.20261121103015.123.log" || !listed[0].CapturedAt.Equal(want) {
		t.Fatalf("bucket source lists %+v", listed)
	}
	if n := goroutineCount(t, c, pc, listed[0].ID); n != 2349 {
		t.Errorf("%v goroutines, want 2349", n)
	}
	if code, body := callResource(t, c, pc, "DELETE", "dumps/"+listed[0].ID, nil); code != 403 && code != 405 && code != 400 {
		t.Errorf("deleting from a bucket source: %d %s", code, body)
	}
}
