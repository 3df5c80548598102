package goroutines

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readTestdata reads a file of testdata, or its gzipped twin name+".gz"
// as is (Parse gunzips by itself).
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	path := filepath.Join("testdata", name)
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		data, err = os.ReadFile(path + ".gz")
	}
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func existsTestdata(name string) bool {
	path := filepath.Join("testdata", name)
	if _, err := os.Stat(path); err == nil {
		return true
	}
	_, err := os.Stat(path + ".gz")
	return err == nil
}

// expectation mirrors the generator's expected.<mode>.json.
type expectation struct {
	GoVersion  string `json:"goVersion"`
	Mode       string `json:"mode"`
	Total      int    `json:"total"`
	Goroutines []struct {
		Function       string            `json:"function"`
		Category       string            `json:"category"`
		Count          int               `json:"count"`
		MinWaitMinutes int               `json:"minWaitMinutes"`
		Labels         map[string]string `json:"labels"`
		LockedToThread bool              `json:"lockedToThread"`
		DeepStack      bool              `json:"deepStack"`
	} `json:"goroutines"`
}

func readExpectation(t *testing.T, dir, mode string) expectation {
	t.Helper()
	var e expectation
	if err := json.Unmarshal(readTestdata(t, filepath.Join(dir, "expected."+mode+".json")), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// ownFunction is the function a test program's goroutine was started in:
// its innermost frame in package main.
func ownFunction(g *Goroutine) string {
	if g.Stack == nil {
		return ""
	}
	for _, f := range g.Stack.Frames {
		if strings.HasPrefix(f.Func, "main.") {
			return f.Func
		}
	}
	return ""
}

// byFunction groups a snapshot's goroutines by ownFunction.
func byFunction(s *Snapshot) map[string][]*Goroutine {
	out := make(map[string][]*Goroutine)
	for i := range s.Goroutines {
		g := &s.Goroutines[i]
		out[ownFunction(g)] = append(out[ownFunction(g)], g)
	}
	return out
}

func countOf(gs []*Goroutine) int {
	n := 0
	for _, g := range gs {
		n += g.Count
	}
	return n
}

// goMinor returns N of a "go1.N" directory name.
func goMinor(dir string) int {
	n := 0
	for _, c := range strings.TrimPrefix(dir, "go1.") {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
