package indexpage

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestParseRealPages(t *testing.T) {
	cases := []struct {
		file                string
		goroutines, threads int64
		profiles            []string
	}{
		// Captured from the Go 1.19.8 scenario process (goroutine profile: total 2345).
		{"testdata/go1.19.html", 2345, 198, []string{"allocs", "block", "cmdline", "goroutine", "heap", "mutex", "profile", "threadcreate", "trace"}},
		// Captured from a Go 1.27.3 server, which also serves goroutineleak.
		{"testdata/go1.27.html", 18, 7, []string{"allocs", "block", "cmdline", "goroutine", "goroutineleak", "heap", "mutex", "profile", "symbol", "threadcreate", "trace"}},
		// The table layout of Go 1.10 and earlier (unquoted cells, no closing tags).
		{"testdata/go1.10.html", 12, 9, []string{"block", "goroutine", "heap", "mutex", "threadcreate"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			page, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			ix, err := Parse(page)
			if err != nil {
				t.Fatal(err)
			}
			if n, ok := ix.Goroutines(); !ok || n != c.goroutines {
				t.Errorf("goroutines = %d, %v; want %d", n, ok, c.goroutines)
			}
			if n, ok := ix.ThreadsCreated(); !ok || n != c.threads {
				t.Errorf("threads = %d, %v; want %d", n, ok, c.threads)
			}
			if !slices.Equal(ix.Profiles, c.profiles) {
				t.Errorf("profiles = %v; want %v", ix.Profiles, c.profiles)
			}
		})
	}
}

func TestParseRejectsOtherPages(t *testing.T) {
	cases := []struct {
		name, page, want string
	}{
		{"empty", "", "empty"},
		{"404 page", "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>", `title is "404 Not Found"`},
		{"json", `{"status":"ok"}`, "JSON"},
		{"binary", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", "binary"},
		{"plain text", "404 page not found\n", `starts with "404 page not found"`},
		{"login page mentioning pprof", "<html><title>Sign in</title><p>/debug/pprof/ needs a login</p></html>", "no profile table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.page))
			if !errors.Is(err, ErrNotIndex) {
				t.Fatalf("err = %v; want ErrNotIndex", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %q; want it to mention %q", err, c.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, file := range []string{"testdata/go1.19.html", "testdata/go1.27.html", "testdata/go1.10.html"} {
		page, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(page)
	}
	f.Fuzz(func(t *testing.T, page []byte) {
		ix, err := Parse(page)
		if err == nil && len(ix.Profiles) != len(ix.Counts) {
			t.Fatalf("profiles %v and counts %v disagree", ix.Profiles, ix.Counts)
		}
	})
}
