package discovery

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFileSD(t *testing.T) {
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "a.json")
	writeFile(t, jsonPath, `[
	  {"targets": ["10.0.0.1:6060", "10.0.0.2:6060"], "labels": {"env": "prod", "__meta_x": "hidden"}},
	  {"targets": ["[fd00::5]:6060"], "labels": {"env": "prod", "instance": "api-v6"}},
	  {"targets": ["http://10.0.0.3:6060", "10.0.0.4", "10.0.0.5:99999", "10.0.0.6:0", "8.8.8.8:6060"]}
	]`)
	writeFile(t, filepath.Join(dir, "b.yaml"), "- targets: ['worker-1.internal:6060']\n  labels:\n    env: staging\n    team: infra\n")
	writeFile(t, filepath.Join(dir, "ignored.txt"), "not read")
	m := New(Config{
		Sources: []SourceConfig{{Name: "files", Kind: KindFile, Path: filepath.Join(dir, "*.[jy]*")}},
		Allow:   mustAllow(t, []string{"10.0.0.0/8", "fd00::/8"}, []string{"*.internal"}, []string{"6060"}),
	}, nil)
	m.Refresh(context.Background())
	got := m.Targets(context.Background())
	if want := []string{"10.0.0.1:6060", "10.0.0.2:6060", "api-v6", "worker-1.internal:6060"}; !slices.Equal(targetNames(got), want) {
		t.Fatalf("names %v, want %v; status %+v", targetNames(got), want, m.Status())
	}
	st := m.Status()
	if st.Invalid != 4 || st.NotAllowed != 1 {
		t.Errorf("status %+v", st)
	}
	for _, tg := range got {
		if tg.Labels["instance"] == "" || tg.Labels["__meta_x"] != "" {
			t.Errorf("labels %v", tg.Labels)
		}
		if tg.Name == "worker-1.internal:6060" && (tg.Labels["team"] != "infra" || tg.URL != "http://worker-1.internal:6060/debug/pprof") {
			t.Errorf("target %+v", tg)
		}
	}

	// An edit is seen at the next refresh.
	writeFile(t, jsonPath, `[{"targets": ["10.0.0.7:6060"], "labels": {"env": "prod"}}]`)
	bumpMtime(t, jsonPath)
	m.Refresh(context.Background())
	if got := targetNames(m.Targets(context.Background())); !slices.Equal(got, []string{"10.0.0.7:6060", "worker-1.internal:6060"}) {
		t.Errorf("after the edit: %v", got)
	}

	// A half-written file fails; the last good targets stay.
	writeFile(t, jsonPath, `[{"targets": ["10.0.0.8:60`)
	bumpMtime(t, jsonPath)
	m.Refresh(context.Background())
	if got := targetNames(m.Targets(context.Background())); !slices.Equal(got, []string{"10.0.0.7:6060", "worker-1.internal:6060"}) {
		t.Errorf("after a bad edit: %v", got)
	}
	if n := m.Status().Notice(); !strings.Contains(n, "a.json is not a file_sd list") {
		t.Errorf("notice %q", n)
	}
}

// bumpMtime moves a file's modification time on, as a later write on a
// coarse-grained file system would.
func bumpMtime(t *testing.T, path string) {
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	next := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(path, next, next); err != nil {
		t.Fatal(err)
	}
}

func TestFileSDHostile(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		content, want string
		limit         int64
	}{
		"too large":     {"[" + strings.Repeat(" ", 2<<20) + "]", "larger than 1 MiB", 1 << 20},
		"not a list":    {`{"targets": ["a:1"]}`, "not a file_sd list", 1 << 20},
		"yaml in .json": {"- targets: [a:1]", "not a file_sd list", 1 << 20},
		"too many":      {`[{"targets": [` + strings.Repeat(`"a:1",`, maxAddresses) + `"a:1"]}]`, "more than 100000 addresses", 8 << 20},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".json")
			writeFile(t, path, c.content)
			_, err := newFileSource(path, c.limit).Discover(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want %q", err, c.want)
			}
		})
	}
	if _, err := newFileSource(filepath.Join(dir, "none-*.json"), 1<<20).Discover(context.Background()); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("missing file: %v", err)
	}
}
