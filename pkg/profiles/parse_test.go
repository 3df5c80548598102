package profiles_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/profiles"
)

func TestParseRejectsWhatIsNotAProfile(t *testing.T) {
	heap, err := os.ReadFile("testdata/heap.pb.gz")
	if err != nil {
		t.Fatal(err)
	}
	var gzHTML bytes.Buffer
	zw := gzip.NewWriter(&gzHTML)
	zw.Write([]byte("<!DOCTYPE html><html><body>404 page not found</body></html>"))
	zw.Close()

	for _, c := range []struct {
		name, data, want string
	}{
		{"empty", "", "empty"},
		{"blank", " \n\t", "empty"},
		{"html", "<html><head><title>/debug/pprof/</title></head>", "HTML"},
		{"gzipped html", gzHTML.String(), "HTML"},
		{"json", `{"error":"unauthorized"}`, "JSON"},
		{"goroutine dump", "goroutine 1 [running]:\nmain.main()\n\t/x/main.go:3 +0x1d\n", "goroutine dump"},
		{"truncated gzip", string(heap[:len(heap)/2]), "truncated"},
		{"gzip header only", string(heap[:12]), "truncated"},
		{"garbage", "\x08\x96\x01\xff\xff\xff garbage that is no protobuf", "not a pprof profile"},
		{"plain text", "hello world\n", "not a pprof profile"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, _, err := profiles.Parse([]byte(c.data), dumpformat.Limits{})
			if err == nil {
				t.Fatalf("parsed into %d samples, want an error", len(p.Sample))
			}
			if !errors.Is(err, profiles.ErrNotProfile) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want ErrNotProfile mentioning %q", err, c.want)
			}
		})
	}
}

func TestParseReadsUncompressedProtobuf(t *testing.T) {
	p := load(t, "cpu.pb.gz")
	var raw bytes.Buffer
	if err := p.WriteUncompressed(&raw); err != nil {
		t.Fatal(err)
	}
	again, _, err := profiles.Parse(raw.Bytes(), dumpformat.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Sample) != len(p.Sample) {
		t.Errorf("%d samples, want %d", len(again.Sample), len(p.Sample))
	}
}

// TestParseSymbolizesText checks what the runtime's comments give the
// legacy text formats: names, labels, and the same totals as protobuf.
func TestParseSymbolizesText(t *testing.T) {
	for _, c := range []struct {
		text, proto, sampleType string
	}{
		{"heap.debug1.txt", "heap.pb.gz", "inuse_space"},
		{"allocs.debug1.txt", "allocs.pb.gz", "alloc_objects"},
		{"block.debug1.txt", "block.pb.gz", "contentions"},
		{"mutex.debug1.txt", "mutex.pb.gz", "contentions"},
		{"goroutine.debug1.txt", "goroutine.pb.gz", "goroutine"},
		{"goroutineleak.debug1.txt", "goroutineleak.pb.gz", "goroutineleak"},
		{"threadcreate.debug1.txt", "threadcreate.pb.gz", "threadcreate"},
		{"go1.19/threadcreate.debug1.txt", "go1.19/threadcreate.pb.gz", "threadcreate"},
	} {
		t.Run(c.text, func(t *testing.T) {
			text, proto := load(t, c.text), load(t, c.proto)
			if got, want := sampleTotal(text, c.sampleType), sampleTotal(proto, c.sampleType); got != want {
				t.Errorf("total %s %d, protobuf says %d", c.sampleType, got, want)
			}
			named := 0
			for _, loc := range text.Location {
				if len(loc.Line) > 0 && loc.Line[0].Function.Name != "" {
					named++
				}
			}
			if named == 0 {
				t.Error("no location got a function name")
			}
		})
	}

	counts, err := profiles.LabelCounts(load(t, "goroutine.debug1.txt"), profiles.Options{GroupBy: "handler"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range counts.Counts {
		got[c.Value] = c.Total
	}
	if got["/api/orders"] != 30 || got["/api/users"] != 20 {
		t.Errorf("goroutines per handler label from text: %v", got)
	}
}

// TestParseMutexTextPeriod reads mutex text printed with a sampling
// fraction of 2: the runtime has already scaled the records, so the delay
// must match the protobuf's, not be doubled.
func TestParseMutexTextPeriod(t *testing.T) {
	data, err := os.ReadFile("testdata/mutex.debug1.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte("sampling period=2")) {
		t.Fatal("the test profile was not captured with a mutex fraction of 2")
	}
	text, proto := load(t, "mutex.debug1.txt"), load(t, "mutex.pb.gz")
	got, want := sampleTotal(text, "delay"), sampleTotal(proto, "delay")
	if diff := got - want; diff < -int64(len(proto.Sample)) || diff > int64(len(proto.Sample)) {
		t.Errorf("delay %d ns from text, %d ns from protobuf", got, want)
	}
	for _, period := range []string{"0", "5"} {
		p, _, err := profiles.Parse(bytes.Replace(data, []byte("sampling period=2"), []byte("sampling period="+period), 1), dumpformat.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if sampleTotal(p, "delay") != got {
			t.Errorf("sampling period %s changes the delay", period)
		}
	}
}
