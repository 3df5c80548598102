//go:build protocol

package main

// This test runs the built plugin binary the way Grafana does: as a child
// process speaking hashicorp/go-plugin's handshake and gRPC, with the
// plugin SDK's protocol version 2 plugin set. It needs the binary built
// first (go tool mage -v build:linux); the test command does that.

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend/grpcplugin"
	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
	"github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
)

const pluginID = "goscope-pprof-datasource"

// pluginClients are the gRPC services Grafana dispenses from a backend
// data source plugin.
type pluginClients struct {
	diagnostics grpcplugin.DiagnosticsClient
	data        grpcplugin.DataClient
	resource    grpcplugin.ResourceClient
}

func startPlugin(t testing.TB) pluginClients {
	t.Helper()
	binary := os.Getenv("PLUGIN_BINARY")
	if binary == "" {
		binary = filepath.Join("..", "dist", fmt.Sprintf("gpx_pprof_%s_%s", runtime.GOOS, runtime.GOARCH))
	}
	if _, err := os.Stat(binary); err != nil {
		t.Fatalf("plugin binary missing (build it with `go tool mage -v build:linux`): %v", err)
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  grpcplugin.ProtocolVersion,
			MagicCookieKey:   grpcplugin.MagicCookieKey,
			MagicCookieValue: grpcplugin.MagicCookieValue,
		},
		VersionedPlugins: map[int]goplugin.PluginSet{
			grpcplugin.ProtocolVersion: {
				"diagnostics": &grpcplugin.DiagnosticsGRPCPlugin{},
				"resource":    &grpcplugin.ResourceGRPCPlugin{},
				"data":        &grpcplugin.DataGRPCPlugin{},
			},
		},
		Cmd:              exec.Command(binary),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Logger:           hclog.New(&hclog.LoggerOptions{Output: io.Discard}),
	})
	t.Cleanup(client.Kill)
	rpc, err := client.Client()
	if err != nil {
		t.Fatalf("handshake with %s failed: %v", binary, err)
	}
	dispense := func(name string) any {
		raw, err := rpc.Dispense(name)
		if err != nil {
			t.Fatalf("dispense %s: %v", name, err)
		}
		return raw
	}
	return pluginClients{
		diagnostics: dispense("diagnostics").(grpcplugin.DiagnosticsClient),
		data:        dispense("data").(grpcplugin.DataClient),
		resource:    dispense("resource").(grpcplugin.ResourceClient),
	}
}

// startDemo builds and runs the demo target on a free port.
func startDemo(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "demo")
	build := exec.Command("go", "build", "-o", bin, "../demo")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	addr := freeAddress(t)
	cmd := exec.Command(bin, "-addr", addr, "-gc-interval", "0")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	base := "http://" + addr
	waitFor(t, func() bool {
		resp, err := http.Get(base + "/state")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
	return base
}

func freeAddress(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func demoGoroutines(t *testing.T, base string) int64 {
	t.Helper()
	resp, err := http.Get(base + "/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s struct{ Goroutines int64 }
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s.Goroutines
}

func pluginContext(jsonData string) *pluginv2.PluginContext {
	return &pluginv2.PluginContext{
		OrgId:    1,
		PluginId: pluginID,
		User:     &pluginv2.User{Login: "admin", Role: "Admin"},
		DataSourceInstanceSettings: &pluginv2.DataSourceInstanceSettings{
			Id: 1, Uid: "go-pprof", Name: "Go pprof", JsonData: []byte(jsonData),
			LastUpdatedMS: time.Now().UnixMilli(),
		},
	}
}

func queryData(t testing.TB, c pluginClients, pc *pluginv2.PluginContext, queryJSON string) (data.Frames, string) {
	t.Helper()
	now := time.Now()
	resp, err := c.data.QueryData(context.Background(), &pluginv2.QueryDataRequest{
		PluginContext: pc,
		Queries: []*pluginv2.DataQuery{{
			RefId: "A", Json: []byte(queryJSON),
			TimeRange: &pluginv2.TimeRange{FromEpochMS: now.Add(-time.Hour).UnixMilli(), ToEpochMS: now.UnixMilli()},
		}},
	})
	if err != nil {
		t.Fatalf("QueryData: %v", err)
	}
	r := resp.Responses["A"]
	frames, err := data.UnmarshalArrowFrames(r.Frames)
	if err != nil {
		t.Fatalf("decoding Arrow frames: %v", err)
	}
	return frames, r.Error
}

func TestPluginProtocol(t *testing.T) {
	demo := startDemo(t)
	// Give the demo a crowd of its own so the count is not trivially small.
	resp, err := http.Post(demo+"/misbehave/chanblock?n=500", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("starting the channel block: %v %v", resp, err)
	}
	resp.Body.Close()

	c := startPlugin(t)
	settings := fmt.Sprintf(`{"targets":[{"name":"demo","url":%q,"metricsUrl":%q,"labels":{"env":"test"}}]}`,
		demo+"/debug/pprof", demo+"/metrics")
	pc := pluginContext(settings)

	t.Run("CheckHealth", func(t *testing.T) {
		res, err := c.diagnostics.CheckHealth(context.Background(), &pluginv2.CheckHealthRequest{PluginContext: pc})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != pluginv2.CheckHealthResponse_OK {
			t.Fatalf("status %v: %s", res.Status, res.Message)
		}
		for _, want := range []string{`"demo":`, "goroutines", "threads created", "goroutine", "threadcreate"} {
			if !strings.Contains(res.Message, want) {
				t.Errorf("health message %q lacks %q", res.Message, want)
			}
		}
	})

	t.Run("CheckHealth names an unreachable target", func(t *testing.T) {
		bad := pluginContext(fmt.Sprintf(`{"targets":[{"name":"gone","url":"http://%s/debug/pprof"}]}`, freeAddress(t)))
		bad.DataSourceInstanceSettings.Id = 2
		res, err := c.diagnostics.CheckHealth(context.Background(), &pluginv2.CheckHealthRequest{PluginContext: bad})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != pluginv2.CheckHealthResponse_ERROR || !strings.Contains(res.Message, `target "gone": connection refused`) {
			t.Errorf("status %v: %s", res.Status, res.Message)
		}
	})

	t.Run("QueryData traces the target", func(t *testing.T) {
		frames, errText := queryData(t, c, pc, `{"queryType":"trace","target":"demo","view":"states","trace":{"seconds":1}}`)
		if errText != "" {
			t.Fatal(errText)
		}
		// The 500 goroutines blocked on channels before the trace began:
		// Go 1.25+ traces carry their stacks, which tell channel from select.
		var blocked float64
		for _, f := range frames {
			if state := f.Fields[1].Labels["state"]; state == "channel" || state == "select" {
				blocked += f.Fields[1].At(0).(float64)
			}
		}
		if blocked < 500 {
			t.Errorf("%v goroutines on channels and selects in the trace's first bucket; want at least 500", blocked)
		}
	})

	t.Run("QueryData metrics equals the process's own count", func(t *testing.T) {
		before := demoGoroutines(t, demo)
		frames, errText := queryData(t, c, pc, `{"queryType":"metrics","target":"demo","metric":"goroutines"}`)
		after := demoGoroutines(t, demo)
		if errText != "" {
			t.Fatal(errText)
		}
		if len(frames) != 1 || frames[0].Meta == nil || frames[0].Meta.Type != data.FrameTypeNumericMulti {
			t.Fatalf("want one numeric-multi frame, got %d", len(frames))
		}
		field := frames[0].Fields[0]
		got := int64(field.At(0).(float64))
		if field.Labels["target"] != "demo" || field.Labels["env"] != "test" {
			t.Errorf("labels = %v", field.Labels)
		}
		// The only goroutines that differ between the readings serve the
		// test's and the plugin's own HTTP connections.
		const slack = 3
		lo, hi := min(before, after)-slack, max(before, after)+slack
		t.Logf("plugin: %d goroutines; demo before: %d, after: %d", got, before, after)
		if got < lo || got > hi || got < 500 {
			t.Errorf("plugin reports %d goroutines; the demo reports %d before and %d after", got, before, after)
		}
	})

	t.Run("QueryData refuses a URL", func(t *testing.T) {
		_, errText := queryData(t, c, pc, `{"queryType":"metrics","target":"http://169.254.169.254/latest/meta-data"}`)
		if !strings.Contains(errText, "cannot carry a URL") {
			t.Errorf("error = %q", errText)
		}
		_, errText = queryData(t, c, pc, `{"queryType":"metrics","url":"http://10.0.0.1:6060/debug/pprof"}`)
		if !strings.Contains(errText, "cannot carry addresses") {
			t.Errorf("error = %q", errText)
		}
	})

	t.Run("CallResource targets", func(t *testing.T) {
		stream, err := c.resource.CallResource(context.Background(), &pluginv2.CallResourceRequest{
			PluginContext: pc, Path: "targets", Method: "GET", Url: "targets",
		})
		if err != nil {
			t.Fatal(err)
		}
		msg, err := stream.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if msg.Code != 200 || string(msg.Body) != `[{"name":"demo","labels":{"env":"test"}}]`+"\n" {
			t.Errorf("code %d body %s", msg.Code, msg.Body)
		}
	})
}

// TestPluginHostileTargets checks through the plugin protocol that a
// redirect does not carry credentials to another origin and that a failing
// target is asked for a full dump once per minimum interval.
func TestPluginHostileTargets(t *testing.T) {
	c := startPlugin(t)
	const secret = "s3cr3t-Tok3n-value"

	t.Run("redirect with credentials", func(t *testing.T) {
		var witnessed atomic.Int32
		witness := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			witnessed.Add(1)
		}))
		defer witness.Close()
		location := witness.URL + "/debug/pprof/"
		target := httptest.NewServer(http.RedirectHandler(location, http.StatusTemporaryRedirect))
		defer target.Close()
		pc := pluginContext(fmt.Sprintf(`{"authHeaderName":"X-Token","targets":[{"name":"t","url":%q}]}`, target.URL+"/debug/pprof"))
		pc.DataSourceInstanceSettings.Id = 20
		pc.DataSourceInstanceSettings.DecryptedSecureJsonData = map[string]string{"authHeaderValue": secret}

		res, err := c.diagnostics.CheckHealth(context.Background(), &pluginv2.CheckHealthRequest{PluginContext: pc})
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != pluginv2.CheckHealthResponse_ERROR || !strings.Contains(res.Message, "it points to "+location) {
			t.Errorf("health %v: %s", res.Status, res.Message)
		}
		_, errText := queryData(t, c, pc, `{"queryType":"goroutines","view":"count","target":"t"}`)
		if !strings.Contains(errText, "HTTP 307 Temporary Redirect redirects to another origin") {
			t.Errorf("query error = %q", errText)
		}
		if n := witnessed.Load(); n != 0 {
			t.Errorf("the other origin got %d requests", n)
		}
		if strings.Contains(res.Message+errText, secret) {
			t.Errorf("a message relays the secret: %s / %s", res.Message, errText)
		}
	})

	t.Run("fetch counts at a failing target", func(t *testing.T) {
		index, err := os.ReadFile("indexpage/testdata/go1.19.html")
		if err != nil {
			t.Fatal(err)
		}
		var fullDumps atomic.Int32
		target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.RequestURI() {
			case "/debug/pprof/":
				w.Write(index)
			case "/debug/pprof/goroutine?debug=2":
				fullDumps.Add(1)
				w.Write(make([]byte, 2<<20))
			default:
				http.NotFound(w, r)
			}
		}))
		defer target.Close()
		pc := pluginContext(fmt.Sprintf(`{"maxResponseMiB":1,"minIntervalSeconds":60,"targets":[{"name":"t","url":%q}]}`, target.URL+"/debug/pprof"))
		pc.DataSourceInstanceSettings.Id = 21
		var errText string
		for range 10 {
			_, errText = queryData(t, c, pc, `{"queryType":"goroutines","view":"groups","target":"t"}`)
			if !strings.Contains(errText, "larger than the 1 MiB limit") {
				t.Fatalf("query error = %q", errText)
			}
		}
		if n := fullDumps.Load(); n != 1 {
			t.Errorf("10 queries within the minimum interval fetched the full dump %d times; want 1", n)
		}
		if !strings.Contains(errText, "next attempt after the 60 s minimum interval") {
			t.Errorf("a remembered failure must say so: %q", errText)
		}
	})
}

// callResource sends one resource request and returns the status and body.
func callResource(t testing.TB, c pluginClients, pc *pluginv2.PluginContext, method, path string, body []byte) (int32, []byte) {
	t.Helper()
	stream, err := c.resource.CallResource(context.Background(), &pluginv2.CallResourceRequest{
		PluginContext: pc, Method: method, Path: strings.SplitN(path, "?", 2)[0], Url: path, Body: body,
	})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	return msg.Code, msg.Body
}

// uploadChunked stores a dump through the chunked upload API, as the
// query editor does, and returns its id.
func uploadChunked(t testing.TB, c pluginClients, pc *pluginv2.PluginContext, name string, content []byte) string {
	t.Helper()
	begin, _ := json.Marshal(map[string]any{"name": name, "size": len(content)})
	code, body := callResource(t, c, pc, "POST", "dumps/uploads", begin)
	if code != 201 {
		t.Fatalf("begin upload: %d %s", code, body)
	}
	var up struct {
		UploadID  string `json:"uploadId"`
		ChunkSize int    `json:"chunkSize"`
	}
	if err := json.Unmarshal(body, &up); err != nil || up.ChunkSize <= 0 {
		t.Fatalf("begin upload: %s (%v)", body, err)
	}
	for off := 0; off < len(content); off += up.ChunkSize {
		end := min(off+up.ChunkSize, len(content))
		code, body := callResource(t, c, pc, "PUT", fmt.Sprintf("dumps/uploads/%s?offset=%d", up.UploadID, off), content[off:end])
		if code != 200 {
			t.Fatalf("chunk at %d: %d %s", off, code, body)
		}
	}
	code, body = callResource(t, c, pc, "POST", "dumps/uploads/"+up.UploadID+"/finish", nil)
	if code != 201 && code != 200 {
		t.Fatalf("finish upload: %d %s", code, body)
	}
	var entry struct{ ID, Format string }
	if err := json.Unmarshal(body, &entry); err != nil {
		t.Fatal(err)
	}
	return entry.ID
}

func gunzipFile(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func storePluginContext(t testing.TB, id int64) *pluginv2.PluginContext {
	pc := pluginContext(fmt.Sprintf(`{"dumpStoreDir":%q}`, t.TempDir()))
	pc.DataSourceInstanceSettings.Id = id
	pc.DataSourceInstanceSettings.Uid = fmt.Sprintf("store-%d", id)
	return pc
}

// A SIGQUIT dump of the Go 1.19 scenario process (2349 goroutines, of
// which 900 wait on one mutex), uploaded in chunks and queried by id.
func TestPluginUploadAndQueryDump(t *testing.T) {
	c := startPlugin(t)
	pc := storePluginContext(t, 10)
	dump := gunzipFile(t, "goroutines/testdata/corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt.gz")
	id := uploadChunked(t, c, pc, "sigquit.txt", dump)

	frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"groups","dump":%q}`, id))
	if errText != "" {
		t.Fatal(errText)
	}
	groups := frames[0]
	count, _ := groups.FieldByName("Goroutines")
	stack, _ := groups.FieldByName("Stack")
	if count == nil || stack == nil {
		t.Fatalf("groups frame lacks Goroutines or Stack: %v", groups.Fields)
	}
	if n := count.At(0); fmt.Sprint(n) != "900" || !strings.Contains(stack.At(0).(string), "main.blockedOnMutex.func1") {
		t.Errorf("first group: %v goroutines at %q", n, stack.At(0))
	}

	frames, errText = queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q}`, id))
	if errText != "" {
		t.Fatal(errText)
	}
	if got := frames[0].Fields[0].At(0).(float64); got != 2349 {
		t.Errorf("total = %v; want 2349", got)
	}
}

// BenchmarkProtocolGroupsQuery times a groups query through the plugin
// protocol on a large stored dump: GOROUTINE_DUMP names it (the
// 100k-goroutine dump of scripts/bench-goroutines.sh).
func BenchmarkProtocolGroupsQuery(b *testing.B) {
	path := os.Getenv("GOROUTINE_DUMP")
	if path == "" {
		b.Skip("set GOROUTINE_DUMP to a goroutine dump")
	}
	dump, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	c := startPlugin(b)
	pc := pluginContext(fmt.Sprintf(`{"dumpStoreDir":%q,"maxUploadMiB":256}`, b.TempDir()))
	id := uploadChunked(b, c, pc, filepath.Base(path), dump)
	q := fmt.Sprintf(`{"queryType":"goroutines","view":"groups","dump":%q}`, id)
	b.SetBytes(int64(len(dump)))
	b.ResetTimer()
	for b.Loop() {
		if _, errText := queryData(b, c, pc, q); errText != "" {
			b.Fatal(errText)
		}
	}
}

// pprofTopRows runs the real `go tool pprof -top` on a profile and counts
// the rows it prints.
func pprofTopRows(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("go", "tool", "pprof", "-top", path).Output()
	if err != nil {
		t.Fatalf("go tool pprof -top %s: %v", path, err)
	}
	rows := -1
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch {
		case strings.Contains(line, "flat  flat%"):
			rows = 0
		case rows >= 0:
			rows++
		}
	}
	if rows <= 0 {
		t.Fatalf("no rows in go tool pprof -top's report:\n%s", out)
	}
	return rows
}

// Real profiles uploaded and queried through the protocol: a diff of a
// profile against itself has the baseline alone in value (Grafana's flame
// graph adds valueRight to it), and a top table has the rows `go tool
// pprof -top` prints for the same file.
func TestPluginProfiles(t *testing.T) {
	c := startPlugin(t)
	pc := storePluginContext(t, 11)

	cpuPath := "profiles/testdata/cpu.pb.gz"
	cpu, err := os.ReadFile(cpuPath)
	if err != nil {
		t.Fatal(err)
	}
	id := uploadChunked(t, c, pc, "cpu.pb.gz", cpu)
	frames, errText := queryData(t, c, pc, fmt.Sprintf(
		`{"queryType":"profile","view":"flamegraph","dump":%q,"profile":{"profileType":"cpu","baseline":{"dump":%q}}}`, id, id))
	if errText != "" {
		t.Fatal(errText)
	}
	f := frames[0]
	value, _ := f.FieldByName("value")
	right, _ := f.FieldByName("valueRight")
	if value == nil || right == nil {
		t.Fatalf("diff frame fields: %v", f.Fields)
	}
	root, rootRight := value.At(0).(int64), right.At(0).(int64)
	// Grafana draws the root root+rootRight wide and reads the baseline
	// back as that width minus valueRight.
	if width := root + rootRight; root == 0 || width != 2*rootRight || width-rootRight != root {
		t.Errorf("root value %d, valueRight %d: Grafana would draw %d and read a baseline of %d; want value = valueRight", root, rootRight, width, width-rootRight)
	}

	large := "profiles/testdata/cpu-large.pb.gz"
	content, err := os.ReadFile(large)
	if err != nil {
		t.Fatal(err)
	}
	want := pprofTopRows(t, large)
	id = uploadChunked(t, c, pc, "cpu-large.pb.gz", content)
	frames, errText = queryData(t, c, pc, fmt.Sprintf(`{"queryType":"profile","view":"top","dump":%q}`, id))
	if errText != "" {
		t.Fatal(errText)
	}
	if got := frames[0].Rows(); got != want {
		t.Errorf("the top table has %d rows; go tool pprof -top prints %d", got, want)
	}
	t.Logf("top: %d rows, as go tool pprof -top; notices %v", want, frames[0].Meta.Notices)
}

// A real trace (Go 1.26, testdata of pkg/traces) uploaded in chunks and
// read through every view of a trace query; the scheduler latency flame
// graph's root is the total of `go tool trace -pprof=sched` on the file.
func TestPluginTraces(t *testing.T) {
	c := startPlugin(t)
	pc := storePluginContext(t, 12)
	content, err := os.ReadFile("traces/testdata/go1.26/trace.out")
	if err != nil {
		t.Fatal(err)
	}
	id := uploadChunked(t, c, pc, "trace.out", content)
	golden, err := os.Open("traces/testdata/go1.26/sched.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer golden.Close()
	p, err := profile.Parse(golden)
	if err != nil {
		t.Fatal(err)
	}
	var schedTotal int64
	for _, s := range p.Sample {
		schedTotal += s.Value[1]
	}
	for _, view := range []string{"states", "blocking", "top", "goroutines", "timeline", "regions", "tasks", "gc", "metrics"} {
		t.Run(view, func(t *testing.T) {
			frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"trace","view":%q,"dump":%q,"trace":{"kind":"sched"}}`, view, id))
			if errText != "" {
				t.Fatal(errText)
			}
			if len(frames) == 0 || frames[0].Rows() == 0 {
				t.Fatalf("%d frames, the first empty", len(frames))
			}
			if view == "blocking" {
				value, _ := frames[0].FieldByName("value")
				if got := value.At(0).(int64); got != schedTotal {
					t.Errorf("scheduler latency root %d ns; go tool trace -pprof=sched totals %d ns", got, schedTotal)
				}
			}
		})
	}
}
