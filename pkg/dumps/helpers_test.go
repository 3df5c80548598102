package dumps

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func openTestStore(t testing.TB, opts StoreOptions) *Store {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	s, err := OpenStore(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// tempFiles lists the temporary files left in a store's directory.
func tempFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var temps []string
	for _, f := range files {
		if strings.HasPrefix(f.Name(), tempPrefix) {
			temps = append(temps, f.Name())
		}
	}
	return temps
}

// uploadsInProgress lists the chunked uploads kept in a store's directory.
func uploadsInProgress(t testing.TB, dir string) []string {
	t.Helper()
	files, err := os.ReadDir(filepath.Join(dir, uploadsDir))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range files {
		ids = append(ids, f.Name())
	}
	return ids
}

// gzipBomb returns a small gzip stream that expands to size bytes of zeros,
// as concatenated members of one compressed MiB.
func gzipBomb(t testing.TB, size int64) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, err := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), int((size+(1<<20)-1)>>20))
}

// syntheticDump is a valid goroutine debug=1 profile, distinct per n and
// padded to about size bytes.
func syntheticDump(n, size int) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "goroutine profile: total %d\n%d @ 0x43bff6 0x46bf61\n", n, n)
	for b.Len() < size {
		fmt.Fprintf(&b, "#\t0x43bff5\tmain.worker%d+0x0\t/src/main.go:%d\n", n, b.Len())
	}
	return b.Bytes()
}

type contentGetter interface {
	Get(id string) (Entry, *Content, error)
}

// readDump gets a dump and returns a copy of its content, closing it.
func readDump(t testing.TB, g contentGetter, id string) (Entry, []byte, error) {
	t.Helper()
	e, c, err := g.Get(id)
	if err != nil {
		return e, nil, err
	}
	defer c.Close()
	var data []byte
	err = c.Read(func(plain []byte) error {
		data = bytes.Clone(plain)
		return nil
	})
	return e, data, err
}
