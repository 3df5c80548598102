//go:build protocol

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// scenarioCore builds pkg/cores' scenario program, lets it write its own
// goroutine dump and takes a core of it with gcore.
func scenarioCore(t *testing.T, dir string) (bin, core, dump string) {
	t.Helper()
	gcore, err := exec.LookPath("gcore")
	if err != nil {
		t.Skip("gcore (Debian's gdb package) is not installed; no core of a live process can be taken")
	}
	bin = filepath.Join(dir, "scenario")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("cores", "testdata", "scenario")
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the scenario: %v\n%s", err, out)
	}
	dump = filepath.Join(dir, "goroutines.txt")
	cmd := exec.Command(bin, dump, "wait")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if err != nil || !ok {
		t.Fatalf("the scenario did not get ready: %q %v", line, err)
	}
	if out, err := exec.Command(gcore, "-o", filepath.Join(dir, "core"), pid).CombinedOutput(); err != nil {
		t.Fatalf("gcore: %v\n%s", err, out)
	}
	return bin, filepath.Join(dir, "core."+pid), dump
}

// uploadFile sends a file through the chunked upload API with the begin
// request's extra fields, streaming it, and returns the finish answer.
func uploadFile(t *testing.T, c pluginClients, pc *pluginv2.PluginContext, path string, size int64, extra map[string]any) (int32, []byte) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	req := map[string]any{"name": filepath.Base(path), "size": size}
	for k, v := range extra {
		req[k] = v
	}
	begin, _ := json.Marshal(req)
	code, body := callResource(t, c, pc, "POST", "dumps/uploads", begin)
	if code != 201 {
		return code, body
	}
	var up struct {
		UploadID        string `json:"uploadId"`
		MaxRequestBytes int64  `json:"maxRequestBytes"`
	}
	if err := json.Unmarshal(body, &up); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, up.MaxRequestBytes)
	for off := int64(0); off < size; {
		n, err := io.ReadFull(f, buf[:min(int64(len(buf)), size-off)])
		if err != nil {
			t.Fatal(err)
		}
		code, body := callResource(t, c, pc, "PUT", fmt.Sprintf("dumps/uploads/%s?offset=%d", up.UploadID, off), buf[:n])
		if code != 200 {
			t.Fatalf("chunk at %d: %d %s", off, code, body)
		}
		off += int64(n)
	}
	return callResource(t, c, pc, "POST", "dumps/uploads/"+up.UploadID+"/finish", nil)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// stateCounts reads a states frame as state -> goroutines.
func stateCounts(t *testing.T, frames data.Frames) map[string]int64 {
	t.Helper()
	state, _ := frames[0].FieldByName("State")
	count, _ := frames[0].FieldByName("Goroutines")
	if state == nil || count == nil {
		t.Fatalf("states frame lacks State or Goroutines: %v", frames[0].Fields)
	}
	out := map[string]int64{}
	for i := 0; i < state.Len(); i++ {
		out[fmt.Sprint(state.At(i))] = toInt(count.At(i))
	}
	return out
}

func toInt(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case *int64:
		return *n
	case *float64:
		return int64(*n)
	}
	return -1
}

// A gcore of a real process and its executable, uploaded in chunks as the
// query editor does and read by the goroutine views against the dump the
// process wrote just before; a truncated core and a core beside another
// build of its program get clear errors, and the plugin keeps serving.
func TestPluginCoreDumps(t *testing.T) {
	dir := t.TempDir()
	bin, core, dumpPath := scenarioCore(t, dir)
	crashes := filepath.Join(dir, "crashes")
	if err := os.Mkdir(crashes, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(core, filepath.Join(crashes, "core.mismatch")); err != nil {
		t.Fatal(err)
	}
	other := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(crashes, "scenario"), ".")
	other.Dir = filepath.Join("cores", "testdata", "scenario")
	other.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := other.CombinedOutput(); err != nil {
		t.Fatalf("building another scenario: %v\n%s", err, out)
	}

	c := startPlugin(t)
	pc := pluginContext(fmt.Sprintf(`{"dumpStoreDir":%q,"maxCoreUploadMiB":8192,"dumpQuotaMiB":8192,"dumpDirectories":[{"name":"crashes","path":%q}]}`,
		filepath.Join(dir, "store"), crashes))
	pc.DataSourceInstanceSettings.Uid = "cores"

	code, body := uploadFile(t, c, pc, bin, fileSize(t, bin), map[string]any{"kind": "executable"})
	var exe struct {
		Executable struct{ ID string } `json:"executable"`
	}
	if code != 201 || json.Unmarshal(body, &exe) != nil || exe.Executable.ID == "" {
		t.Fatalf("executable upload: %d %s", code, body)
	}
	start := time.Now()
	code, body = uploadFile(t, c, pc, core, fileSize(t, core), map[string]any{"executable": exe.Executable.ID})
	if code != 201 {
		t.Fatalf("core upload: %d %s", code, body)
	}
	t.Logf("a %d MiB core uploaded and read in %v", fileSize(t, core)>>20, time.Since(start).Round(time.Millisecond))
	var entry struct {
		ID, Format string
		Core       struct {
			Executable, GoVersion string
			Goroutines            int
		}
	}
	if err := json.Unmarshal(body, &entry); err != nil || entry.Format != "core" || entry.Core.Executable != "scenario" ||
		!strings.HasPrefix(entry.Core.GoVersion, "go1.") || entry.Core.Goroutines < 150 {
		t.Fatalf("core entry: %s", body)
	}
	dumpID := uploadChunked(t, c, pc, "goroutines.txt", readFile(t, dumpPath))

	states := func(id string) map[string]int64 {
		t.Helper()
		frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"states","dump":%q}`, id))
		if errText != "" {
			t.Fatal(errText)
		}
		return stateCounts(t, frames)
	}
	fromCore, fromDump := states(entry.ID), states(dumpID)
	for _, state := range []string{"sync.Mutex.Lock", "chan send", "select", "sleep", "sync.RWMutex.RLock", "IO wait"} {
		if fromCore[state] != fromDump[state] || fromCore[state] <= 0 {
			t.Errorf("%s: %d goroutines in the core, %d in the dump", state, fromCore[state], fromDump[state])
		}
	}
	for _, view := range []string{"count", "groups", "timeline", "leaks"} {
		if _, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":%q,"dump":%q}`, view, entry.ID)); errText != "" {
			t.Errorf("%s view of the core: %s", view, errText)
		}
	}

	// What grew between the process's own dump and its core a moment later:
	// nothing but the two goroutines that moved on.
	frames, errText := queryData(t, c, pc, fmt.Sprintf(`{"queryType":"goroutines","view":"growth","dump":%q,"baseline":{"dump":%q}}`, entry.ID, dumpID))
	if errText != "" || len(frames) == 0 {
		t.Errorf("growth of the core over the dump: %s", errText)
	} else if change, _ := frames[0].FieldByName("Growth"); change != nil {
		for i := 0; i < change.Len(); i++ {
			if n := toInt(change.At(i)); n > 1 || n < -1 {
				t.Errorf("growth row %d changed by %d between the dump and the core", i, n)
			}
		}
	}

	// The history of uploads counts the core's goroutines at its capture time.
	frames, errText = queryData(t, c, pc, `{"queryType":"dumps","view":"history","dumpSource":"upload"}`)
	if errText != "" || len(frames) == 0 {
		t.Errorf("history of the uploads: %s", errText)
	}
	for _, n := range notices(frames) {
		if strings.Contains(n, entry.ID) || strings.Contains(n, "core.") {
			t.Errorf("history notice about the core: %s", n)
		}
	}
	counted := false
	for _, f := range frames {
		for _, field := range f.Fields {
			for i := 0; i < field.Len(); i++ {
				counted = counted || toInt(field.At(i)) == int64(entry.Core.Goroutines)
			}
		}
	}
	if !counted {
		t.Errorf("no point of the history counts the core's %d goroutines", entry.Core.Goroutines)
	}

	truncated := filepath.Join(dir, "core.truncated")
	copyHead(t, core, truncated, 1<<20)
	code, body = uploadFile(t, c, pc, truncated, 1<<20, map[string]any{"executable": exe.Executable.ID})
	if code != 400 || !strings.Contains(string(body), "truncated") || !strings.Contains(string(body), "cut short") {
		t.Errorf("truncated core: %d %s", code, body)
	}
	_, errText = queryData(t, c, pc, `{"queryType":"goroutines","view":"states","dump":"dir:crashes:core.mismatch"}`)
	if !strings.Contains(errText, "differs from scenario") {
		t.Errorf("a core beside another build: %q", errText)
	}
	if got := states(entry.ID); got["chan send"] != fromCore["chan send"] {
		t.Errorf("after the errors, the core reads %v", got)
	}
}

func copyHead(t *testing.T, from, to string, n int64) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.CopyN(out, in, n); err != nil {
		t.Fatal(err)
	}
}
