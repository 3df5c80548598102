package dumps

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/objstore"
)

// The crash tests run this test binary again as a helper process that
// writes to a store and is killed with SIGKILL halfway through.
const (
	crashHelperDir  = "DUMPS_CRASH_HELPER_DIR"
	crashHelperMode = "DUMPS_CRASH_HELPER_MODE"
	// crashHelperS3 is the JSON of an objstore.S3Config: the helper's
	// store is then on that bucket, Dir its local directory.
	crashHelperS3 = "DUMPS_CRASH_HELPER_S3"
)

// TestCrashHelperProcess is the helper's body; it does nothing in a normal
// test run.
func TestCrashHelperProcess(t *testing.T) {
	dir := os.Getenv(crashHelperDir)
	if dir == "" {
		t.Skip("helper process for the crash tests")
	}
	opts := StoreOptions{Dir: dir}
	if cfg := os.Getenv(crashHelperS3); cfg != "" {
		var c objstore.S3Config
		err := json.Unmarshal([]byte(cfg), &c)
		var b *objstore.S3
		if err == nil {
			b, err = objstore.OpenS3(c)
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		opts.Bucket = b
	}
	s, err := OpenStore(opts)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	switch os.Getenv(crashHelperMode) {
	case "mid-upload":
		data := syntheticDump(1e6, 256<<10)
		u, err := s.BeginUpload("half.txt", int64(len(data)), "helper")
		if err == nil {
			_, err = s.AppendChunk(u.ID, 0, bytes.NewReader(data[:len(data)/2]))
		}
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("half-written")
		select {}
	case "commit-loop":
		for i := 0; ; i++ {
			e, _, err := s.Put(fmt.Sprintf("loop-%d.txt", i), "helper", bytes.NewReader(syntheticDump(i, 128<<10)))
			if err != nil {
				fmt.Println("error:", err)
				os.Exit(1)
			}
			fmt.Println("stored", e.ID)
		}
	}
}

// startCrashHelper runs the helper and returns its output lines as they come.
func startCrashHelper(t *testing.T, dir, mode string, env ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperProcess$")
	cmd.Env = append(append(os.Environ(), crashHelperDir+"="+dir, crashHelperMode+"="+mode), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			lines <- scanner.Text()
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, lines
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

func TestKillMidUploadLosesNothingStored(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, StoreOptions{Dir: dir})
	stored := map[string][]byte{}
	for _, name := range []string{"goroutine.20261121T211542Z.txt", "goroutine.go1.27.pb.gz"} {
		data := readTestdata(t, name)
		e, _, err := s.Put(name, "", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		stored[e.ID] = data
	}
	s.Close()

	cmd, lines := startCrashHelper(t, dir, "mid-upload")
	select {
	case line := <-lines:
		if line != "half-written" {
			t.Fatalf("helper: %s", line)
		}
	case <-time.After(time.Minute):
		t.Fatal("helper did not start its upload")
	}
	kill(t, cmd)
	if len(uploadsInProgress(t, dir)) == 0 {
		t.Fatal("the killed helper left no partial upload; the test proves nothing")
	}

	s = openTestStore(t, StoreOptions{Dir: dir})
	if temps, uploads := tempFiles(t, dir), uploadsInProgress(t, dir); len(temps)+len(uploads) != 0 {
		t.Errorf("partial upload not cleared on open: %v %v", temps, uploads)
	}
	checkStore(t, s, stored, nil)
}

func TestKillDuringCommitsLosesNothingAcknowledged(t *testing.T) {
	dir := t.TempDir()
	cmd, lines := startCrashHelper(t, dir, "commit-loop")
	acknowledged := map[string][]byte{}
	deadline := time.After(time.Minute)
	for len(acknowledged) < 12 {
		select {
		case line, ok := <-lines:
			id, found := strings.CutPrefix(line, "stored ")
			if !ok || !found {
				t.Fatalf("helper: %q", line)
			}
			acknowledged[id] = nil
		case <-deadline:
			t.Fatal("helper is too slow")
		}
	}
	kill(t, cmd)
	// Acknowledgements printed just before the kill still count.
	for line := range lines {
		if id, found := strings.CutPrefix(line, "stored "); found {
			acknowledged[id] = nil
		}
	}

	s := openTestStore(t, StoreOptions{Dir: dir})
	if temps := tempFiles(t, dir); len(temps) != 0 {
		t.Errorf("temporary files not cleared on open: %v", temps)
	}
	checkStore(t, s, nil, acknowledged)
}

// A process killed while it stores dumps in a shared bucket, and while a
// chunked upload is half sent, leaves nothing partial listed to the other
// processes, and loses nothing it acknowledged.
func TestKillOnASharedBucket(t *testing.T) {
	c := s3Config(t)
	b, err := objstore.OpenS3(c)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := json.Marshal(c)
	env := crashHelperS3 + "=" + string(cfg)
	cmd, lines := startCrashHelper(t, t.TempDir(), "mid-upload", env)
	if line := <-lines; line != "half-written" {
		t.Fatalf("helper: %s", line)
	}
	kill(t, cmd)

	cmd, lines = startCrashHelper(t, t.TempDir(), "commit-loop", env)
	acknowledged := map[string][]byte{}
	for len(acknowledged) < 8 {
		line, ok := <-lines
		id, found := strings.CutPrefix(line, "stored ")
		if !ok || !found {
			t.Fatalf("helper: %q", line)
		}
		acknowledged[id] = nil
	}
	kill(t, cmd)
	for line := range lines {
		if id, found := strings.CutPrefix(line, "stored "); found {
			acknowledged[id] = nil
		}
	}

	s := replica(t, b, StoreOptions{})
	listed := map[string]bool{}
	for _, e := range s.List() {
		listed[e.ID] = true
		_, content, err := readDump(t, s, e.ID)
		sum := sha256.Sum256(content)
		if err != nil || hex.EncodeToString(sum[:]) != e.ID {
			t.Errorf("%s is not whole: %v", e.ID, err)
		}
	}
	for id := range acknowledged {
		if !listed[id] {
			t.Errorf("acknowledged dump %s lost", id)
		}
	}
	if u := s.Usage(); u.ReservedBytes == 0 {
		t.Error("the half-sent upload is not counted against the quota until it expires")
	}
}

// checkStore verifies that every listed dump is whole (its content hashes to
// its id), that the dumps in want are there with their content, and that the
// ids in present are there.
func checkStore(t *testing.T, s *Store, want map[string][]byte, present map[string][]byte) {
	t.Helper()
	listed := map[string]bool{}
	for _, e := range s.List() {
		listed[e.ID] = true
		raw, err := os.ReadFile(filepath.Join(s.Dir(), dumpKey(e.ID)))
		if err != nil {
			t.Errorf("%s: %v", e.ID, err)
			continue
		}
		sum := sha256.Sum256(raw)
		if hex.EncodeToString(sum[:]) != e.ID || int64(len(raw)) != e.Size {
			t.Errorf("%s is not whole: %d bytes, sha256 %x", e.ID, len(raw), sum)
		}
	}
	for id, data := range want {
		raw, err := os.ReadFile(filepath.Join(s.Dir(), dumpKey(id)))
		if err != nil || !bytes.Equal(raw, data) {
			t.Errorf("stored dump %s lost or changed (err %v)", id, err)
		}
	}
	if want != nil && len(listed) != len(want) {
		t.Errorf("%d dumps listed, want %d", len(listed), len(want))
	}
	for id := range present {
		if !listed[id] {
			t.Errorf("acknowledged dump %s lost", id)
		}
	}
}
