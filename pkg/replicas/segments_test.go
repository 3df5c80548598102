package replicas

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/goscope/pprof/pkg/history"
	"github.com/goscope/pprof/pkg/objstore"
)

func rounds(from time.Time, n int) []history.Record {
	var out []history.Record
	for i := range n {
		at := from.Add(time.Duration(i) * 5 * time.Second)
		out = append(out,
			history.Record{Target: "api-1", Sample: history.Sample{At: at, Values: map[string]float64{"up": 1, "goroutines": float64(100 + i), "cpu_seconds_total": 1.5}}},
			history.Record{Target: "api-2", Sample: history.Sample{At: at, Values: map[string]float64{"up": 0}}})
	}
	return out
}

func samples(t *testing.T, s *history.Store, target string) []history.Sample {
	t.Helper()
	got, err := s.Range(target, slotStart.Add(-time.Hour), slotStart.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// What the leader records reaches the follower's store once, however many
// times it imports, and a restarted follower does not import again.
func TestHistorySegments(t *testing.T) {
	forEachBucket(t, func(t *testing.T, b objstore.Bucket) {
		a, c := newReplica(t, b, "a"), newReplica(t, b, "c")
		now := slotStart.Add(3 * time.Second)
		a.at(now)
		c.at(now)
		a.Record(rounds(slotStart, 4))
		// Nothing is published before a span has passed.
		if objs, _ := b.List(context.Background(), a.historyPrefix()); len(objs) != 0 {
			t.Fatalf("published before the span: %v", objs)
		}
		now = now.Add(lease)
		a.at(now)
		c.at(now)
		got := samples(t, c.store, "api-1")
		if len(got) != 4 || got[3].Values["goroutines"] != 103 || got[0].Values["cpu_seconds_total"] != 1.5 {
			t.Fatalf("the follower's history: %v", got)
		}
		if down := samples(t, c.store, "api-2"); len(down) != 4 || down[0].Values["up"] != 0 {
			t.Fatalf("the follower's history of api-2: %v", down)
		}
		// The leader does not import its own segments back.
		if s := a.Status(); s.Imported != 0 {
			t.Errorf("the leader imported %d segments", s.Imported)
		}
		for range 3 {
			now = now.Add(lease)
			c.at(now)
		}
		if s := c.Status(); s.Imported != 1 {
			t.Errorf("imported %d segments; want 1", s.Imported)
		}
		// A follower that restarts (a new process, a new name) keeps
		// what it imported and does not import again.
		again := New(Options{Bucket: b, Root: Root("ds-1"), Lease: lease, Store: c.store,
			Targets: func() []string { return []string{"api-1", "api-2"} }, Retention: time.Hour, Now: c.clock.now, ID: "c2"})
		again.Tick(context.Background())
		if s := again.Status(); s.Imported != 0 {
			t.Errorf("after a restart %d segments were imported again", s.Imported)
		}
		if got := samples(t, c.store, "api-1"); len(got) != 4 {
			t.Errorf("after a restart: %d samples", len(got))
		}
	})
}

// Segments older than the retention are deleted by the leader and not
// imported.
func TestSegmentRetention(t *testing.T) {
	b := buckets()["dir"](t)
	a, c := newReplica(t, b, "a"), newReplica(t, b, "c")
	now := slotStart.Add(3 * time.Second)
	a.at(now)
	a.Record(rounds(slotStart, 2))
	a.at(now.Add(lease))
	later := now.Add(2 * time.Hour)
	c.at(later)
	if got := samples(t, c.store, "api-1"); len(got) != 0 {
		t.Errorf("an expired segment was imported: %v", got)
	}
	a.at(later)
	if objs, _ := b.List(context.Background(), a.historyPrefix()); len(objs) != 0 {
		t.Errorf("expired segments left: %v", objs)
	}
}

func gz(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// Garbage in the bucket is skipped with a logged error, once, and the
// good segments beside it are imported.
func TestGarbageSegmentsSkipped(t *testing.T) {
	dir := t.TempDir()
	b, err := objstore.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c := newReplica(t, b, "c")
	var logged []string
	c.o.Log = func(msg string, err error) { logged = append(logged, msg+": "+err.Error()) }
	prefix := c.historyPrefix()
	name := func(i int) string { return fmt.Sprintf("%s%019d_x_%d.json.gz", prefix, slotStart.UnixNano(), i) }
	bomb := gz(make([]byte, MaxSegmentBytes+1))
	good := gz([]byte(fmt.Sprintf(`{"replica":"x","records":[
		{"target":"api-1","at":%d,"values":{"up":1}},
		{"target":"not-configured","at":%d,"values":{"up":1}},
		{"target":"api-1","at":-5,"values":{"up":1}}]}`, slotStart.UnixNano(), slotStart.UnixNano())))
	for key, data := range map[string][]byte{
		prefix + "notes.txt":        []byte("hello"),
		name(1):                     []byte("not gzip"),
		name(2):                     gz([]byte("not json")),
		name(3):                     bomb,
		name(4):                     gz([]byte(`{"records":[{"target":"api-1","at":"yesterday"}]}`)),
		name(5):                     good,
		prefix + "9999_x_1.json.gz": good,
	} {
		if err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
	}
	// A segment too large to read at all (sparse, so the test writes
	// nothing).
	huge, _ := b.Path(name(6))
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, MaxSegmentBytes+1); err != nil {
		t.Fatal(err)
	}
	c.at(slotStart.Add(3 * time.Second))
	got := samples(t, c.store, "api-1")
	if len(got) != 1 || !got[0].At.Equal(slotStart) {
		t.Fatalf("imported %v; want the one good sample", got)
	}
	if targets, _ := c.store.Targets(); len(targets) != 1 {
		t.Errorf("targets in the store: %v", targets)
	}
	if len(logged) != 7 {
		t.Errorf("%d errors logged; want 7 (one per bad object):\n%v", len(logged), logged)
	}
	for _, l := range logged {
		t.Log(l)
	}
	c.at(slotStart.Add(3*time.Second + lease))
	if len(logged) != 7 {
		t.Errorf("the next import logged again: %v", logged[7:])
	}
}
