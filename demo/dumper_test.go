package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestWriteDumps(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 1, 21, 10, 30, 15, 123e6, time.UTC)
	if err := writeDumps(dir, at); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	want := []string{"goroutine-full.20260121103015.123.log", "goroutine.20260121103015.123.log", "heap.20260121103015.123.log"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("files = %v; want %v", names, want)
	}
	starts := map[string]string{want[0]: "goroutine ", want[1]: "goroutine profile: total ", want[2]: "heap profile: "}
	for name, prefix := range starts {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !strings.HasPrefix(string(b), prefix) {
			t.Errorf("%s starts %q (%v); want %q", name, string(b[:min(len(b), 40)]), err, prefix)
		}
	}
}
