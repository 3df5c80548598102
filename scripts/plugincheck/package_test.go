package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackagePluginScript runs scripts/package-plugin.sh on a small dist/ and
// checks the layout and modes of the archive it writes.
func TestPackagePluginScript(t *testing.T) {
	for _, tool := range []string{"bash", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	repo := t.TempDir()
	script, err := os.ReadFile(filepath.Join("..", "package-plugin.sh"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]struct {
		content string
		mode    os.FileMode
	}{
		"scripts/package-plugin.sh":  {string(script), 0o755},
		"package.json":               {`{"name": "demo", "version": "1.2.3"}`, 0o644},
		"dist/plugin.json":           {`{"id": "` + testPluginID + `", "executable": "gpx_demo"}`, 0o644},
		"dist/module.js":             {"define([], {});", 0o644},
		"dist/img/logo.svg":          {"<svg/>", 0o644},
		"dist/gpx_demo_linux_amd64":  {"\x7fELF", 0o755},
		"dist/stale-from-last-build": {"x", 0o644},
	}
	for name, file := range files {
		p := filepath.Join(repo, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(file.content), file.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, file.mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}

	pack := func() string {
		out, err := exec.Command("bash", filepath.Join(repo, "scripts", "package-plugin.sh")).Output()
		if err != nil {
			t.Fatalf("package-plugin.sh: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	pack()
	// A second run must not keep files removed from dist/ in between.
	if err := os.Remove(filepath.Join(repo, "dist", "stale-from-last-build")); err != nil {
		t.Fatal(err)
	}
	archive := pack()

	if want := filepath.Join(repo, "artifacts", testPluginID+"-1.2.3.zip"); archive != want {
		t.Fatalf("printed %q, want %q", archive, want)
	}
	zr, err := zip.OpenReader(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	modes := map[string]os.FileMode{}
	for _, f := range zr.File {
		if !f.FileInfo().IsDir() {
			modes[f.Name] = f.Mode().Perm()
		}
	}
	want := map[string]os.FileMode{
		testPluginID + "/plugin.json":          0o644,
		testPluginID + "/module.js":            0o644,
		testPluginID + "/img/logo.svg":         0o644,
		testPluginID + "/gpx_demo_linux_amd64": 0o755,
	}
	if len(modes) != len(want) {
		t.Errorf("archive holds %v, want %v", modes, want)
	}
	for name, mode := range want {
		if got, ok := modes[name]; !ok || got != mode {
			t.Errorf("%s: mode %04o (present %v), want %04o", name, got, ok, mode)
		}
	}
}
