package dumps

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// goroutineDump returns a distinct real debug=2 dump: a real dump with a
// trailing goroutine whose id makes the content unique.
func goroutineDump(t *testing.T, n int) []byte {
	t.Helper()
	base := readTestdata(t, "goroutine_debug_2.go1.27.txt")
	return append(bytes.TrimRight(base, "\n"), fmt.Sprintf("\n\ngoroutine %d [select, 5 minutes]:\nmain.wait()\n\t/app/main.go:10 +0x1\ncreated by main.main in goroutine 1\n\t/app/main.go:5 +0x2\n", 900000+n)...)
}

func putBundle(t *testing.T, s *Store, target, bundle string, at time.Time, quota int64, parts ...[]byte) []Entry {
	t.Helper()
	var out []Entry
	for i, data := range parts {
		c := Capture{Target: target, Bundle: bundle, Reason: "goroutines 1,000 → 9,000", Figures: []string{"goroutines"}, Part: fmt.Sprintf("part %d", i)}
		e, created, err := s.PutCapture(fmt.Sprintf("goroutine.%d.txt", i), at, c, quota, data)
		if err != nil {
			t.Fatalf("bundle %s part %d: %v", bundle, i, err)
		}
		if !created {
			t.Fatalf("bundle %s part %d was already stored", bundle, i)
		}
		out = append(out, e)
	}
	return out
}

func TestPutCaptureKeepsSourceAndReasonAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, StoreOptions{Dir: dir})
	at := time.Date(2026, 11, 21, 3, 4, 5, 0, time.UTC)
	e := putBundle(t, s, "api-1", "api-1-1", at, 1<<30, goroutineDump(t, 1))[0]
	if e.Source != "capture:api-1" || !e.CapturedAt.Equal(at) || e.CapturedFrom != CapturedFromCapture || e.Capture == nil || e.Capture.Reason != "goroutines 1,000 → 9,000" {
		t.Fatalf("entry = %+v", e)
	}
	s.Close()
	reopened := openTestStore(t, StoreOptions{Dir: dir})
	got, err := reopened.Entry(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, e) {
		t.Errorf("after reopening:\n got %+v\nwant %+v", got, e)
	}
	c := NewCatalog(reopened, nil)
	if sources := c.Sources(); len(sources) != 2 || sources[1] != (Source{ID: "capture:api-1", Name: "captures of api-1", Kind: "capture"}) {
		t.Errorf("sources = %v", sources)
	}
	if list := c.List(Filter{Source: "capture:api-1"}); len(list) != 1 || list[0].ID != e.ID {
		t.Errorf("capture source lists %v", list)
	}
	if list := c.List(Filter{Source: SourceUpload}); len(list) != 0 {
		t.Errorf("uploads list captures: %v", list)
	}
}

// The oldest bundles of a target go first, whole, and only its own.
func TestCaptureQuotaDropsOldestBundlesOfTheSource(t *testing.T) {
	s := openTestStore(t, StoreOptions{})
	one := int64(len(goroutineDump(t, 0)))
	quota := 5 * one // two bundles of two parts fit, three do not
	at := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	upload, _, err := s.Put("mine.txt", "admin", bytes.NewReader(goroutineDump(t, 100)))
	if err != nil {
		t.Fatal(err)
	}
	other := putBundle(t, s, "api-2", "api-2-a", at, quota, goroutineDump(t, 50))
	a := putBundle(t, s, "api-1", "a", at, quota, goroutineDump(t, 1), goroutineDump(t, 2))
	b := putBundle(t, s, "api-1", "b", at.Add(time.Minute), quota, goroutineDump(t, 3), goroutineDump(t, 4))
	c := putBundle(t, s, "api-1", "c", at.Add(2*time.Minute), quota, goroutineDump(t, 5), goroutineDump(t, 6))
	for _, e := range a {
		if _, err := s.Entry(e.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("oldest bundle's %s kept: %v", e.Name, err)
		}
	}
	for _, e := range append(append(append(b, c...), other...), upload) {
		if _, err := s.Entry(e.ID); err != nil {
			t.Errorf("%s %s dropped: %v", e.Source, e.Name, err)
		}
	}
}

func TestCapturesNeverDropUploads(t *testing.T) {
	one := int64(len(goroutineDump(t, 0)))
	s := openTestStore(t, StoreOptions{QuotaBytes: 3 * one})
	at := time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)
	for i := range 2 {
		if _, _, err := s.Put(fmt.Sprintf("u%d.txt", i), "admin", bytes.NewReader(goroutineDump(t, 100+i))); err != nil {
			t.Fatal(err)
		}
	}
	putBundle(t, s, "api-1", "a", at, 1<<30, goroutineDump(t, 1))
	// The store is full: the next capture replaces the previous one.
	putBundle(t, s, "api-1", "b", at.Add(time.Minute), 1<<30, goroutineDump(t, 2))
	if u := s.Usage(); u.Dumps != 3 {
		t.Errorf("%d dumps stored", u.Dumps)
	}
	// A capture that would need an upload's room fails.
	_, _, err := s.PutCapture("big.txt", at, Capture{Target: "api-1", Bundle: "c"}, 1<<30, append(goroutineDump(t, 3), bytes.Repeat([]byte("\n"), int(one))...))
	if !errors.Is(err, ErrFull) {
		t.Errorf("a capture larger than the room left by uploads: %v", err)
	}
	if _, _, err := s.PutCapture("x.txt", at, Capture{Target: "api-1"}, 10, goroutineDump(t, 4)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a part larger than the capture quota: %v", err)
	}
	if temps := tempFiles(t, s.dir); len(temps) != 0 {
		t.Errorf("temporary files left: %v", temps)
	}
}
