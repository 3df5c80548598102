package waitstates

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// minor returns N of "1.N" or "go1.N".
func minor(t *testing.T, v string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimPrefix(v, "go"), "1."))
	if err != nil {
		t.Fatalf("version %q: %v", v, err)
	}
	return n
}

// testdata/reasons.txt lists every status and wait reason of the runtimes
// of Go 1.13 to 1.27 (written by testdata/extract.sh).
func TestEveryRuntimeReasonIsInTheTable(t *testing.T) {
	f, err := os.Open("testdata/reasons.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		version, text, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		seen[text] = true
		r, ok := byText[text]
		if !ok {
			t.Errorf("%s: %q is not in the table", version, text)
			continue
		}
		v := minor(t, version)
		if v < minor(t, r.Since) || r.Until != "" && v > minor(t, r.Until) {
			t.Errorf("%s: %q outside %s–%s", version, text, r.Since, r.Until)
		}
	}
	for _, r := range reasons {
		if !seen[r.Text] && r.Text != "???" {
			t.Errorf("%q is in the table but in no runtime", r.Text)
		}
	}
}

func TestOf(t *testing.T) {
	cases := map[string]Category{
		"running":                       Running,
		"runnable":                      Runnable,
		"preempted":                     Runnable,
		"syscall":                       Syscall,
		"IO wait":                       IO,
		"semacquire":                    Lock,
		"sync.Mutex.Lock":               Lock,
		"sync.RWMutex.RLock":            Lock,
		"chan receive":                  Channel,
		"chan send (nil chan)":          Channel,
		"chan receive (durable)":        Channel,
		"chan receive (synctest)":       Channel,
		"chan receive (leaked)":         Channel,
		"select (no cases) (leaked)":    Select,
		"sleep (durable)":               Sleep,
		"sync.Cond.Wait":                Sync,
		"sync.WaitGroup.Wait (durable)": Sync,
		"GC worker (idle)":              Runtime,
		"GC worker (idle) (scan)":       Runtime,
		"idle":                          Runtime,
		"coroutine":                     Other,
		"a reason from Go 1.40":         Other,
		"":                              Other,
	}
	for state, want := range cases {
		if got := Of(state); got != want {
			t.Errorf("Of(%q) = %s, want %s", state, got, want)
		}
	}
}

func TestBase(t *testing.T) {
	cases := map[string]string{
		"chan receive (durable)":     "chan receive",
		"select (no cases) (leaked)": "select (no cases)",
		"GC worker (idle) (scan)":    "GC worker (idle)",
		"chan send (synctest)":       "chan send",
		"select (no cases)":          "select (no cases)",
	}
	for in, want := range cases {
		if got := Base(in); got != want {
			t.Errorf("Base(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFromFrame(t *testing.T) {
	if c, ok := FromFrame("sync.(*WaitGroup).Wait"); !ok || c != Sync {
		t.Error("WaitGroup.Wait")
	}
	if c, ok := FromFrame("sync.(*RWMutex).RLock"); !ok || c != Lock {
		t.Error("RWMutex.RLock")
	}
	if _, ok := FromFrame("main.main"); ok {
		t.Error("main.main decides nothing")
	}
	if !Ambiguous("semacquire") || Ambiguous("sync.Mutex.Lock") {
		t.Error("Ambiguous")
	}
}

func TestCategories(t *testing.T) {
	for _, c := range append(Categories(), Unknown) {
		for _, s := range []string{c.String(), c.Title(), strings.ToUpper(c.String())} {
			if got, ok := ParseCategory(s); !ok || got != c {
				t.Errorf("ParseCategory(%q) = %s, %v", s, got, ok)
			}
		}
	}
	if _, ok := ParseCategory("nope"); ok {
		t.Error("nope parsed")
	}
	if Category(200).String() != "other" {
		t.Error("out of range category")
	}
	if len(Categories()) != 11 {
		t.Errorf("%d categories", len(Categories()))
	}
	for _, c := range Categories() {
		want := c == Syscall || c == IO || c == Lock || c == Channel || c == Select || c == Sleep || c == Sync
		if c.Blocked() != want {
			t.Errorf("%s.Blocked() = %v", c, c.Blocked())
		}
	}
}

// The README's table is generated from Reasons; keep them in step.
func TestReadmeListsEveryReason(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Reasons() {
		if !strings.Contains(string(readme), "| `"+r.Text+"` |") {
			t.Errorf("README.md lacks %q", r.Text)
		}
	}
}
