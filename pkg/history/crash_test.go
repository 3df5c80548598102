//go:build unix

package history

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// crashChildEnv makes the test binary a writer that a test kills.
const crashChildEnv = "HISTORY_CRASH_CHILD"

// TestCrashChild is the writer: it appends rounds of samples and prints
// the index of each round once Append has returned (acknowledged).
func TestCrashChild(t *testing.T) {
	spec := os.Getenv(crashChildEnv)
	if spec == "" {
		t.Skip("run by TestKilledWriterKeepsAcknowledgedSamples")
	}
	path, startText, _ := strings.Cut(spec, "|")
	start, _ := strconv.Atoi(startText)
	s, err := Open(path)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := start; ; i++ {
		if err := s.Append(crashRound(i)); err != nil {
			fmt.Println("append:", err)
			os.Exit(2)
		}
		fmt.Fprintln(out, i)
		out.Flush()
	}
}

func crashRound(i int) []Record {
	var round []Record
	for _, target := range []string{"api-1", "api-2", "api-3"} {
		round = append(round, Record{target, Sample{at(i), map[string]float64{
			"up": 1, "goroutines": float64(i), "rss_bytes": float64(i) * 4096, "cpu_seconds_total": float64(i) / 3,
		}}})
	}
	return round
}

// A writer killed with SIGKILL at arbitrary points loses nothing it
// acknowledged, and the file it leaves is consistent and writable.
func TestKilledWriterKeepsAcknowledgedSamples(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	next := 0
	for round, ackTarget := range []int{40, 170, 90} {
		acked := runAndKill(t, path, next, ackTarget, round == 0)
		s, err := Open(path)
		if err != nil {
			t.Fatalf("reopening after kill %d: %v", round+1, err)
		}
		if err := s.db.bolt.View(func(tx *bolt.Tx) error {
			for err := range tx.Check() {
				return err
			}
			return nil
		}); err != nil {
			t.Fatalf("after kill %d the file is inconsistent: %v", round+1, err)
		}
		for _, target := range []string{"api-1", "api-2", "api-3"} {
			got, err := s.Range(target, at(0), at(acked))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != acked+1 {
				t.Fatalf("kill %d: %s has %d samples up to the acknowledged %d", round+1, target, len(got), acked)
			}
			for i, sm := range got {
				if sm.Values["goroutines"] != float64(i) || sm.Values["cpu_seconds_total"] != float64(i)/3 {
					t.Fatalf("kill %d: %s sample %d = %v", round+1, target, i, sm.Values)
				}
			}
		}
		// The round being written when the process died is either whole or
		// absent: one transaction per round.
		last, _ := s.Last("api-1", 1)
		next = int(last[0].Values["goroutines"]) + 1
		for _, target := range []string{"api-2", "api-3"} {
			l, _ := s.Last(target, 1)
			if int(l[0].Values["goroutines"]) != next-1 {
				t.Fatalf("kill %d: a round was committed in part: api-1 ends at %d, %s at %v", round+1, next-1, target, l[0].Values)
			}
		}
		s.Close()
	}
}

// runAndKill starts a writer from index start, waits for ackTarget
// acknowledged rounds, kills it and returns the last acknowledged index.
func runAndKill(t *testing.T, path string, start, ackTarget int, checkLock bool) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s|%d", crashChildEnv, path, start))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	acked, count := -1, 0
	deadline := time.Now().Add(60 * time.Second)
	for count < ackTarget && lines.Scan() {
		n, err := strconv.Atoi(lines.Text())
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("writer: %s", lines.Text())
		}
		acked = n
		count++
		if count == ackTarget/2 && checkLock {
			if _, err := Open(path); err == nil || !strings.Contains(err.Error(), "in use by another process") {
				t.Errorf("opening a file another process holds: %v", err)
			}
		}
		if time.Now().After(deadline) {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Rounds acknowledged between the count and the kill are read too.
	for lines.Scan() {
		if n, err := strconv.Atoi(lines.Text()); err == nil {
			acked = n
		}
	}
	cmd.Wait()
	if acked < start {
		t.Fatalf("the writer acknowledged nothing")
	}
	return acked
}
