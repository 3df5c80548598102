//go:build protocol

package main

// This test runs the built plugin binary the way Grafana does: as a child
// process speaking hashicorp/go-plugin's handshake and gRPC, with the
// plugin SDK's protocol version 2 plugin set. It needs the binary built
// first (go tool mage -v build:linux); the test command does that.

import (
	"bytes"
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
	"regexp"
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
	"gopkg.in/yaml.v3"

	"github.com/goscope/pprof/pkg/internal/dashboardrun"
	"github.com/goscope/pprof/pkg/internal/hostile"
)

const pluginID = "goscope-pprof-datasource"

// pluginClients are the gRPC services Grafana dispenses from a backend
// data source plugin.
type pluginClients struct {
	diagnostics grpcplugin.DiagnosticsClient
	data        grpcplugin.DataClient
	resource    grpcplugin.ResourceClient
	// pid is the plugin process, whose memory the tests read.
	pid int
	// process is the plugin's child process, for tests that kill it.
	process *goplugin.Client
}

// pluginBinary is the binary under test: $PLUGIN_BINARY, else the build
// in dist/.
func pluginBinary() string {
	if binary := os.Getenv("PLUGIN_BINARY"); binary != "" {
		return binary
	}
	return filepath.Join("..", "dist", fmt.Sprintf("gpx_pprof_%s_%s", runtime.GOOS, runtime.GOARCH))
}

func startPlugin(t testing.TB) pluginClients {
	t.Helper()
	return startPluginWith(t)
}

// startPluginWith starts the plugin with extra environment variables.
func startPluginWith(t testing.TB, env ...string) pluginClients {
	t.Helper()
	binary := pluginBinary()
	if _, err := os.Stat(binary); err != nil {
		t.Fatalf("plugin binary missing (build it with `go tool mage -v build:linux`): %v", err)
	}
	cmd := exec.Command(binary)
	cmd.Env = append(os.Environ(), env...)
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
		Cmd:              cmd,
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
		pid:         cmd.Process.Pid,
		process:     client,
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
	return demoState(t, base).Goroutines
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

// Logs of ../goroutines/testdata/crashlogs, uploaded in chunks as the
// query editor does: a service's log of six crashes, a race log, and
// GOTRACEBACK=crash output with per-thread sections.
func TestPluginCrashLogs(t *testing.T) {
	c := startPlugin(t)
	pc := storePluginContext(t, 11)
	const logs = "goroutines/testdata/crashlogs/"
	count := func(t *testing.T, query string) (float64, *data.Frame) {
		t.Helper()
		frames, errText := queryData(t, c, pc, query)
		if errText != "" {
			t.Fatal(errText)
		}
		return frames[0].Fields[0].At(0).(float64), frames[0]
	}

	t.Run("a log of six crashes reads the newest and says it holds six", func(t *testing.T) {
		id := uploadChunked(t, c, pc, "service.log", gunzipFile(t, logs+"multicrash.logfmt.txt.gz"))
		q := `{"queryType":"goroutines","view":"count","dump":%q,"filter":{"hideRuntime":true}%s}`
		n, f := count(t, fmt.Sprintf(q, id, ""))
		meta, _ := f.Meta.Custom.(map[string]any)
		if n != 10 || fmt.Sprint(meta["snapshots"]) != "6" || fmt.Sprint(meta["snapshot"]) != "6" {
			t.Errorf("newest: %v goroutines, meta %v; want 10 in snapshot 6 of 6", n, meta)
		}
		if len(f.Meta.Notices) == 0 || !strings.Contains(f.Meta.Notices[0].Text, "holds 6 snapshots") {
			t.Errorf("notices %v", f.Meta.Notices)
		}
		total := 0.0
		for i := 1; i <= 6; i++ {
			n, _ := count(t, fmt.Sprintf(q, id, fmt.Sprintf(`,"snapshot":"%d"`, i)))
			total += n
		}
		if total != 36 {
			t.Errorf("%v goroutines in the six crashes, want 36", total)
		}
	})

	t.Run("a race log shows its races", func(t *testing.T) {
		id := uploadChunked(t, c, pc, "race.log", readFile(t, logs+"race.gotest.txt"))
		frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"races","dump":%q}`, id))
		if errText != "" {
			t.Fatal(errText)
		}
		event, _ := frames[0].FieldByName("Event")
		if frames[0].Rows() != 12 || event == nil || event.At(0) != "Read" || event.At(1) != "Previous write" {
			t.Errorf("races: %d rows", frames[0].Rows())
		}
		_, errText = queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q}`, id))
		if !strings.Contains(errText, "a race report has no goroutine states") {
			t.Errorf("count of a race log: %q", errText)
		}
	})

	t.Run("GOTRACEBACK=crash counts goroutines, not threads", func(t *testing.T) {
		for _, v := range []string{"1.21", "1.23", "1.25"} {
			dump := gunzipFile(t, logs+"threads.go"+v+".txt.gz")
			list, _, _ := bytes.Cut(dump, []byte("\n-----\n"))
			want := float64(len(regexp.MustCompile(`(?m)^goroutine [1-9]\d* `).FindAll(list, -1)))
			id := uploadChunked(t, c, pc, "threads-"+v+".txt", dump)
			if n, _ := count(t, fmt.Sprintf(`{"queryType":"goroutines","view":"count","dump":%q}`, id)); n != want {
				t.Errorf("go%s: %v goroutines, want %v", v, n, want)
			}
		}
	})
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
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

// A target without a metrics URL, read through the plugin binary: the
// figures it still has (heap in use from heap?debug=1, OS threads from the
// index page), a notice naming the setting for the one it has not, and
// every provisioned alert rule and dashboard panel pointed at it.
func TestPluginTargetWithoutMetricsURL(t *testing.T) {
	demo := startDemo(t)
	for _, misbehave := range []string{"/misbehave/rss?mib=64", "/misbehave/threads?n=8&locked=2"} {
		resp, err := http.Post(demo+misbehave, "", nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", misbehave, resp, err)
		}
		resp.Body.Close()
	}
	c := startPlugin(t)
	// Full dumps every 5 s: the states panels and rules have rows within
	// the test, not at the default minute.
	pc := pluginContext(fmt.Sprintf(`{"recordIntervalSeconds":5,"fullDumpIntervalSeconds":5,"targets":[{"name":"bare","url":%q},{"name":"full","url":%q,"metricsUrl":%q}]}`,
		demo+"/debug/pprof", demo+"/debug/pprof", demo+"/metrics"))
	pc.DataSourceInstanceSettings.Id = 3

	t.Run("figures and notice", func(t *testing.T) {
		before := demoState(t, demo)
		frames, errText := queryData(t, c, pc, `{"queryType":"metrics","target":"(bare|full)"}`)
		after := demoState(t, demo)
		if errText != "" {
			t.Fatal(errText)
		}
		got := map[string]float64{}
		description := map[string]string{}
		for _, f := range frames {
			if len(f.Fields) == 1 {
				key := f.Fields[0].Name + "/" + f.Fields[0].Labels["target"]
				got[key] = f.Fields[0].At(0).(float64)
				description[key] = f.Fields[0].Config.Description
			}
		}
		t.Logf("figures %v; the demo's own heap in use %d..%d, threadcreate %d..%d", got,
			before.HeapInuseBytes, after.HeapInuseBytes, before.ThreadCreate, after.ThreadCreate)
		heap := got["heap_inuse_bytes/bare"]
		lo, hi := float64(min(before.HeapInuseBytes, after.HeapInuseBytes)), float64(max(before.HeapInuseBytes, after.HeapInuseBytes))
		if heap < 64<<20 || heap < lo*0.9 || heap > hi*1.1 {
			t.Errorf("heap_inuse_bytes of the target without a metrics URL = %v; the demo reports %v..%v", heap, lo, hi)
		}
		if full := got["heap_inuse_bytes/full"]; heap < full*0.9 || heap > full*1.1 {
			t.Errorf("heap_inuse_bytes from heap?debug=1 %v; from /metrics %v", heap, full)
		}
		// The runtime may start a thread to serve these very requests, so
		// each reading is held to the demo's own count before and after.
		inRange := func(n float64) bool {
			return n >= 8 && n >= float64(min(before.ThreadCreate, after.ThreadCreate)) && n <= float64(max(before.ThreadCreate, after.ThreadCreate))
		}
		if bare, full := got["os_threads/bare"], got["os_threads/full"]; !inRange(bare) || !inRange(full) || bare != got["threads/bare"] {
			t.Errorf("os_threads without a metrics URL %v, with one %v; the demo's threadcreate count %d..%d", bare, full, before.ThreadCreate, after.ThreadCreate)
		}
		if !strings.Contains(description["heap_inuse_bytes/bare"], "heap?debug=1") || !strings.Contains(description["os_threads/bare"], "index page") {
			t.Errorf("descriptions %q do not say where the figures come from", description)
		}
		if _, ok := got["rss_bytes/bare"]; ok || got["rss_bytes/full"] == 0 {
			t.Errorf("rss_bytes: %v", got)
		}
		if n := notices(frames); len(n) != 1 || !strings.Contains(n[0], `target "bare" has no metrics URL`) ||
			!strings.Contains(n[0], `"metricsUrl"`) || !strings.Contains(n[0], `"Metrics URL"`) {
			t.Errorf("notices = %q", n)
		}
	})

	// Let the recorder take its first samples and full dumps, so series
	// and states panels have rows.
	for _, metric := range []string{"goroutines", "goroutines_lock"} {
		waitForLong(t, "the recorder's "+metric, func() bool {
			frames, _ := queryData(t, c, pc, `{"queryType":"metrics","view":"series","target":"(bare|full)","metric":"`+metric+`"}`)
			return len(frames) == 2 && hasRows(frames)
		})
	}

	t.Run("alert rules", func(t *testing.T) {
		var rules struct {
			Groups []struct {
				Rules []struct {
					Title       string `yaml:"title"`
					NoDataState string `yaml:"noDataState"`
					Data        []struct {
						DatasourceUID string         `yaml:"datasourceUid"`
						Model         map[string]any `yaml:"model"`
					} `yaml:"data"`
				} `yaml:"rules"`
			} `yaml:"groups"`
		}
		raw, err := os.ReadFile("../provisioning/alerting/go-pprof-rules.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(raw, &rules); err != nil {
			t.Fatal(err)
		}
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				for _, d := range r.Data {
					if d.DatasourceUID != "go-pprof" {
						continue
					}
					d.Model["target"] = "bare"
					model, _ := json.Marshal(d.Model)
					frames, errText := queryData(t, c, pc, string(model))
					switch {
					case errText != "":
						t.Errorf("rule %q: error %s", r.Title, errText)
					case !hasRows(frames) && r.NoDataState != "OK":
						t.Errorf("rule %q has no data for a target without a metrics URL and noDataState %s: it would page", r.Title, r.NoDataState)
					case !hasRows(frames) && len(notices(frames)) == 0:
						t.Errorf("rule %q: no data and no notice saying why", r.Title)
					}
				}
			}
		}
	})

	t.Run("dashboard panels", func(t *testing.T) {
		paths, err := dashboardrun.Files()
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, path := range paths {
			dash, err := dashboardrun.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			refresh, err := dash.Refresh(dashboardrun.Vars{Targets: []string{"bare"}})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range refresh.Panels {
				for _, js := range p.Queries {
					var q struct{ Target string }
					if json.Unmarshal(js, &q) != nil || q.Target != "bare" {
						continue
					}
					frames, errText := queryData(t, c, pc, string(js))
					checked++
					if errText != "" {
						t.Errorf("%s: panel %q: %s", filepath.Base(path), p.Title, errText)
					} else if !hasRows(frames) && !namesMetricsURL(notices(frames)) {
						t.Errorf("%s: panel %q: no data, and no notice naming the metrics URL setting (%q)", filepath.Base(path), p.Title, notices(frames))
					}
				}
			}
		}
		if checked < 10 {
			t.Errorf("only %d panel queries read a target", checked)
		}
	})
}

// demoFigures are what the demo's /state says of its own process.
type demoFigures struct {
	Goroutines     int64  `json:"goroutines"`
	HeapInuseBytes uint64 `json:"heapInuseBytes"`
	ThreadCreate   int    `json:"threadcreate"`
}

func demoState(t *testing.T, base string) demoFigures {
	t.Helper()
	resp, err := http.Get(base + "/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s demoFigures
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func hasRows(frames data.Frames) bool {
	for _, f := range frames {
		if rows, _ := f.RowLen(); rows > 0 {
			return true
		}
	}
	return false
}

func notices(frames data.Frames) []string {
	var out []string
	for _, f := range frames {
		if f.Meta != nil {
			for _, n := range f.Meta.Notices {
				out = append(out, n.Text)
			}
		}
	}
	return out
}

func namesMetricsURL(notices []string) bool {
	for _, n := range notices {
		if strings.Contains(n, `"metricsUrl"`) {
			return true
		}
	}
	return false
}

// Empty bodies on the routes that take one are bad requests answered in
// JSON (they used to panic: a 500, and a temporary file left behind), and
// so are unknown routes.
func TestPluginResourcesRefuseEmptyBodies(t *testing.T) {
	c := startPlugin(t)
	pc := storePluginContext(t, 31)
	id := uploadChunked(t, c, pc, "sigquit.txt", gunzipFile(t, "goroutines/testdata/corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt.gz"))
	code, body := callResource(t, c, pc, "POST", "dumps/uploads", []byte(`{"name":"a.txt","size":10}`))
	var up struct{ UploadID string }
	if err := json.Unmarshal(body, &up); code != 201 || err != nil {
		t.Fatalf("begin upload: %d %s", code, body)
	}
	for _, r := range []struct {
		method, path string
		code         int32
	}{
		{"POST", "dumps?name=empty.txt", 400},
		{"POST", "dumps/uploads", 400},
		{"PUT", "dumps/uploads/" + up.UploadID + "?offset=0", 400},
		{"PATCH", "dumps/" + id, 400},
		{"GET", "nowhere", 404},
		{"DELETE", "targets", 405},
	} {
		code, body := callResource(t, c, pc, r.method, r.path, nil)
		var answer struct{ Error string }
		if err := json.Unmarshal(body, &answer); code != r.code || err != nil || answer.Error == "" {
			t.Errorf("%s %s: %d %s, want %d with an error in JSON", r.method, r.path, code, body, r.code)
		}
	}
}

// A query repeated over the same stored dump is answered from the parse
// cache, which the frames' stats say; so is every panel of a dashboard
// after the first has parsed the dump.
func TestPluginRepeatedQueryServedFromCache(t *testing.T) {
	c := startPlugin(t)
	uploader := storePluginContext(t, 32)
	id := uploadChunked(t, c, uploader, "sigquit.txt", gunzipFile(t, "goroutines/testdata/corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt.gz"))
	// Another data source on the same store has a cache of its own.
	pc := pluginContext(string(uploader.DataSourceInstanceSettings.JsonData))
	pc.DataSourceInstanceSettings.Id, pc.DataSourceInstanceSettings.Uid = 33, "store-33"
	fromCache := func(view string) float64 {
		t.Helper()
		frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":%q,"dump":%q}`, view, id))
		if errText != "" {
			t.Fatal(errText)
		}
		for _, s := range frames[0].Meta.Stats {
			if s.DisplayName == "Parsed dump from cache" {
				return s.Value
			}
		}
		t.Fatalf("no parse stat in %+v", frames[0].Meta.Stats)
		return 0
	}
	if got := []float64{fromCache("groups"), fromCache("groups"), fromCache("states")}; got[0] != 0 || got[1] != 1 || got[2] != 1 {
		t.Errorf("parsed from cache: %v, want [0 1 1]", got)
	}
}

// TestPluginHostileData runs the built plugin under a 1 GiB address space
// limit (ulimit -v) against a target serving the inputs that killed it: a
// CPU profile of 39 KB whose two samples share a 20-million-frame stack,
// gzip inside gzip that inflates to 2 GiB, a gzip bomb of 2 GiB, the
// profile at 2 million frames, which is read with its stacks cut; and it
// checks after each that the plugin answers a good query, then does the
// same with uploads, and checks how much memory the plugin ever held.
func TestPluginHostileData(t *testing.T) {
	bodies := map[string][]byte{
		"deep20m": hostile.DeepCPUProfile(2, 20_000_000),
		"nested":  hostile.NestedGzipBomb(2 << 30),
		"bomb":    hostile.GzipOfZeros(2 << 30),
		"deep2m":  hostile.DeepCPUProfile(2, 2_000_000),
		"good":    gunzipFile(t, "profiles/testdata/cpu.pb.gz"),
	}
	t.Logf("wire sizes: 20M frames %d B, gzip(gzip(2 GiB)) %d B", len(bodies["deep20m"]), len(bodies["nested"]))
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		w.Write(bodies[name])
	}))
	defer target.Close()
	var ts []string
	for name := range bodies {
		ts = append(ts, fmt.Sprintf(`{"name":%q,"url":%q}`, name, target.URL+"/"+name+"/debug/pprof"))
	}
	pc := pluginContext(fmt.Sprintf(`{"minIntervalSeconds":1,"dumpStoreDir":%q,"targets":[%s]}`, t.TempDir(), strings.Join(ts, ",")))
	pc.DataSourceInstanceSettings.Id = 30

	t.Setenv("PLUGIN_BINARY", withAddressSpaceLimit(t, 1<<20))
	c := startPlugin(t)
	query := func(target string) (data.Frames, string) {
		return queryData(t, c, pc, fmt.Sprintf(`{"queryType":"profile","target":%q,"view":"flamegraph","profile":{"profileType":"cpu","seconds":1}}`, target))
	}
	for _, c := range []struct{ target, wantErr, wantNotice string }{
		{"deep20m", "the profile holds more than 8000000 stack frames (the bound set by maxStackFrames)", ""},
		{"nested", "gzip inside gzip", ""},
		{"bomb", "decompressed size exceeds 512 MiB limit (the bound set by maxDecompressedMiB)", ""},
		{"deep2m", "", "2 stacks were deeper than 10000 frames (the deepest had 2000000) and cut to the innermost 10000"},
	} {
		frames, errText := query(c.target)
		if !strings.Contains(errText, c.wantErr) || (c.wantErr != "" && errText == "") {
			t.Errorf("%s: error %q, want %q", c.target, errText, c.wantErr)
		}
		if c.wantNotice != "" && (len(frames) == 0 || !strings.Contains(fmt.Sprint(frames[0].Meta.Notices), c.wantNotice)) {
			t.Errorf("%s: no notice %q in %v", c.target, c.wantNotice, frames)
		}
		if frames, errText := query("good"); errText != "" || len(frames) != 1 {
			t.Fatalf("after %s, a good query: %d frames, error %q", c.target, len(frames), errText)
		}
	}
	// An editor storing them: refused on upload, or read with the notice
	// by every query after.
	if code, body := callResource(t, c, pc, "POST", "dumps?name=cpu.pb.gz", bodies["deep20m"]); code != 413 || !strings.Contains(string(body), "stack frames") {
		t.Errorf("upload of the 20-million-frame profile: %d %s", code, body)
	}
	if code, body := callResource(t, c, pc, "POST", "dumps?name=nested.pb.gz", bodies["nested"]); code != 400 || !strings.Contains(string(body), "gzip inside gzip") {
		t.Errorf("upload of gzip inside gzip: %d %s", code, body)
	}
	id := uploadChunked(t, c, pc, "deep.pb.gz", bodies["deep2m"])
	for range 2 {
		frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"profile","dump":%q,"view":"flamegraph","profile":{"profileType":"cpu"}}`, id))
		if errText != "" || len(frames) != 1 || !strings.Contains(fmt.Sprint(frames[0].Meta.Notices), "cut to the innermost 10000") {
			t.Errorf("flame graph of the stored deep profile: %q", errText)
		}
	}
	peak := processMemory(t, c.pid, "VmHWM")
	t.Logf("plugin peak resident memory: %d MiB", peak>>20)
	if peak > 512<<20 {
		t.Errorf("the plugin held %d MiB at its peak", peak>>20)
	}
}

// withAddressSpaceLimit returns a plugin binary that execs the real one
// under `ulimit -v kib`, so that the process, and its id, are the plugin's.
func withAddressSpaceLimit(t *testing.T, kib int) string {
	t.Helper()
	binary, err := filepath.Abs(pluginBinary())
	if err != nil {
		t.Fatal(err)
	}
	wrapper := filepath.Join(t.TempDir(), "plugin")
	script := fmt.Sprintf("#!/bin/sh\nulimit -v %d || exit 1\nexec %q\n", kib, binary)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return wrapper
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
