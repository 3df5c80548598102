// Package indexpage reads the /debug/pprof/ index page that net/http/pprof
// serves. The page is the cheapest thing a Go process offers: its goroutine
// count is runtime.NumGoroutine (no stop-the-world) and it lists which
// profiles the process serves, so health checks, the goroutine count series
// and the choice between a full and a summary dump all start here.
package indexpage

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// Index is what a pprof index page says.
type Index struct {
	// Counts maps each listed profile (goroutine, threadcreate, heap, ...)
	// to the count printed beside it.
	Counts map[string]int64
	// Profiles lists the profile names in page order.
	Profiles []string
}

// Goroutines is the number of live goroutines, if the page lists them.
func (ix *Index) Goroutines() (int64, bool) {
	n, ok := ix.Counts["goroutine"]
	return n, ok
}

// ThreadsCreated is the threadcreate count: OS threads the runtime has
// created over the process's life (threads are rarely freed, so this tracks
// thread leaks).
func (ix *Index) ThreadsCreated() (int64, bool) {
	n, ok := ix.Counts["threadcreate"]
	return n, ok
}

// Has reports whether the page lists the named profile.
func (ix *Index) Has(profile string) bool {
	_, ok := ix.Counts[profile]
	return ok
}

// ErrNotIndex is returned for a page that is not a pprof index, such as a
// login page, a 404 page of another server or a JSON API.
var ErrNotIndex = errors.New("not a pprof index page")

// Rows of the table have looked like this since Go 1.11:
//
//	<tr><td>2345</td><td><a href='goroutine?debug=1'>goroutine</a></td></tr>
//
// and before that `<tr><td align=right>N<td><a href="name?debug=1">name</a>`,
// so quotes, attributes and closing tags are all optional.
var rowPattern = regexp.MustCompile(`<td[^>]*>\s*(\d+)\s*(?:</td>)?\s*<td[^>]*>\s*<a href=["']?([A-Za-z0-9_.-]+)[^>]*>\s*([A-Za-z0-9_.-]+)\s*</a>`)

// maxPageBytes bounds the work on a page; a real index is under 4 KiB.
const maxPageBytes = 1 << 20

// Parse reads an index page.
func Parse(page []byte) (*Index, error) {
	if len(page) > maxPageBytes {
		return nil, fmt.Errorf("%w: %d bytes is far larger than an index page", ErrNotIndex, len(page))
	}
	if !bytes.Contains(page, []byte("/debug/pprof/")) && !bytes.Contains(page, []byte("profiles")) {
		return nil, fmt.Errorf("%w: %s", ErrNotIndex, describe(page))
	}
	ix := &Index{Counts: map[string]int64{}}
	for _, m := range rowPattern.FindAllSubmatch(page, -1) {
		n, err := strconv.ParseInt(string(m[1]), 10, 64)
		if err != nil {
			continue
		}
		name := string(m[3])
		if _, dup := ix.Counts[name]; !dup {
			ix.Profiles = append(ix.Profiles, name)
		}
		ix.Counts[name] = n
	}
	if len(ix.Profiles) == 0 {
		return nil, fmt.Errorf("%w: no profile table found (%s)", ErrNotIndex, describe(page))
	}
	return ix, nil
}

// describe names what a non-index page looks like, for error messages.
func describe(page []byte) string {
	trimmed := bytes.TrimSpace(page)
	switch {
	case len(trimmed) == 0:
		return "the response was empty"
	case bytes.HasPrefix(trimmed, []byte("{")) || bytes.HasPrefix(trimmed, []byte("[")):
		return "the response is JSON"
	case title(trimmed) != "":
		return fmt.Sprintf("the page's title is %q", title(trimmed))
	case bytes.Contains(bytes.ToLower(trimmed[:min(len(trimmed), 512)]), []byte("<html")):
		return "the response is an HTML page without a profile table"
	}
	const show = 60
	snippet := trimmed[:min(len(trimmed), show)]
	if !isPrintable(snippet) {
		return "the response is binary"
	}
	return fmt.Sprintf("the response starts with %q", snippet)
}

var titlePattern = regexp.MustCompile(`(?is)<title[^>]*>\s*(.*?)\s*</title>`)

func title(page []byte) string {
	m := titlePattern.FindSubmatch(page[:min(len(page), 4096)])
	if m == nil {
		return ""
	}
	return string(m[1])
}

func isPrintable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
