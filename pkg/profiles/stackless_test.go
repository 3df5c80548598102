package profiles_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/profiles"
)

// stacklessLine matches a debug=1 threadcreate record without a frame: no
// address before Go 1.23, only zero padding since.
var stacklessLine = regexp.MustCompile(`(?m)^(\d+) @((?: 0x0)*)[ \t]*$`)

// stacklessInText counts, straight from a debug=1 text, the threads whose
// creation stack the runtime did not record.
func stacklessInText(t *testing.T, name string) int64 {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, m := range stacklessLine.FindAllStringSubmatch(string(raw), -1) {
		c, _ := strconv.ParseInt(m[1], 10, 64)
		n += c
	}
	return n
}

// TestThreadcreateStacksNotRecorded reads real threadcreate profiles of Go
// 1.19 to 1.27, protobuf and text captured together: the threads without a
// creation stack are one node right under the root, and one top row, worth
// what the text says, never a tower of "<unknown>" frames or the root's
// own value.
func TestThreadcreateStacksNotRecorded(t *testing.T) {
	texts, err := filepath.Glob("testdata/threadcreate/go1.*/threadcreate.debug1.txt")
	if err != nil || len(texts) < 8 {
		t.Fatalf("%d threadcreate texts (%v)", len(texts), err)
	}
	texts = append(texts, "testdata/threadcreate.debug1.txt", "testdata/go1.19/threadcreate.debug1.txt", "testdata/go1.27/threadcreate.debug1.txt")
	for _, text := range texts {
		text = strings.TrimPrefix(text, "testdata/")
		want := stacklessInText(t, text)
		if want == 0 {
			t.Fatalf("%s: no thread without a stack; the test reads the wrong file", text)
		}
		pb := strings.TrimSuffix(text, ".debug1.txt") + ".pb.gz"
		inputs := []string{text}
		if _, err := os.Stat(filepath.Join("testdata", pb)); err == nil {
			inputs = append(inputs, pb)
		}
		for _, name := range inputs {
			t.Run(name, func(t *testing.T) {
				p := load(t, name)
				tree, err := profiles.Tree(p, profiles.Options{})
				if err != nil {
					t.Fatal(err)
				}
				checkTree(t, tree)
				var found int
				for i := range tree.Len() {
					switch tree.LabelOf(i) {
					case profiles.StackNotRecorded:
						found++
						if tree.Level[i] != 1 || tree.Value[i] != want || tree.Self[i] != want {
							t.Errorf("node at level %d worth %d (self %d), want level 1 worth %d", tree.Level[i], tree.Value[i], tree.Self[i], want)
						}
					case "<unknown>":
						t.Errorf("node %d at level %d is <unknown>", i, tree.Level[i])
					}
				}
				if found != 1 || tree.Unrecorded != want || tree.Self[0] != 0 {
					t.Errorf("%d %q nodes, unrecorded %d, root self %d; want one node worth %d", found, profiles.StackNotRecorded, tree.Unrecorded, tree.Self[0], want)
				}
				if depth := slices.Max(tree.Level); depth > 8 {
					t.Errorf("the tree is %d levels deep; the recorded stacks have at most 7 frames", depth)
				}

				top, err := profiles.Top(p, profiles.Options{})
				if err != nil {
					t.Fatal(err)
				}
				row := top.Rows[0]
				if row.Name != profiles.StackNotRecorded || row.Flat != want || row.Cum != want || top.Unrecorded != want {
					t.Errorf("first top row %+v (unrecorded %d), want %q worth %d", row, top.Unrecorded, profiles.StackNotRecorded, want)
				}
				for _, r := range top.Rows {
					if r.Name == "<unknown>" {
						t.Errorf("top row %+v", r)
					}
				}
			})
		}
	}
}

// TestTreeRefusesNegativeValues: a difference written by `go tool pprof
// -proto -diff_base` has negative samples, which no flame graph can draw;
// the tree says so instead of drawing nonsense, and the top table, like
// pprof's, still reads it.
func TestTreeRefusesNegativeValues(t *testing.T) {
	p := load(t, "negative/goroutine-diff_base.pb.gz")
	_, err := profiles.Tree(p, profiles.Options{})
	if err == nil || !strings.Contains(err.Error(), "negative sample values") || !strings.Contains(err.Error(), "top view") {
		t.Errorf("error %v", err)
	}
	if _, err := profiles.Diff(p, p, profiles.Options{}); err == nil {
		t.Error("a diff of negative profiles was drawn")
	}
	if _, err := profiles.Top(p, profiles.Options{}); err != nil {
		t.Error(err)
	}
}
