package dumpformat

import (
	"bytes"
	"compress/gzip"
	"errors"
	"runtime"
	"testing"

	"github.com/goscope/pprof/pkg/internal/hostile"
)

// gzipBomb returns a small gzip stream that expands to size bytes of zeros:
// one compressed MiB repeated as concatenated members, which gzip readers
// decode as one stream.
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

func TestGzipBombIsRejectedWithoutMemory(t *testing.T) {
	// A smaller limit than the default keeps the test quick under -race;
	// the bomb is four times the limit.
	const limit = 64 << 20
	bomb := gzipBomb(t, 4*limit)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes; the test wants a small one", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, plain, err := Inspect("bomb.pb.gz", bomb, Limits{MaxDecompressedBytes: limit})
	runtime.ReadMemStats(&after)
	var limitErr *LimitError
	if !errors.As(err, &limitErr) {
		t.Fatalf("err = %v, want a *LimitError", err)
	}
	if got, want := err.Error(), "decompressed size exceeds 64 MiB limit (the bound set by maxDecompressedMiB)"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	if got, want := (&LimitError{Limit: DefaultDecompressedLimit}).Error(), "decompressed size exceeds 512 MiB limit (the bound set by maxDecompressedMiB)"; got != want {
		t.Errorf("default limit error = %q, want %q", got, want)
	}
	if plain != nil {
		t.Error("plain content returned with the error")
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 16<<20 {
		t.Errorf("rejecting the bomb allocated %d bytes", allocated)
	}
}

func TestDecompressWithinLimit(t *testing.T) {
	data := readTestdata(t, "go1.19/heap.pb.gz")
	plain, compressed, err := decompress(data, within(DefaultDecompressedLimit))
	if err != nil || !compressed {
		t.Fatalf("compressed = %v, err = %v", compressed, err)
	}
	if _, _, err := decompress(data, within(int64(len(plain)))); err != nil {
		t.Errorf("a limit equal to the size must pass: %v", err)
	}
	_, _, err = decompress(data, within(int64(len(plain))-1))
	if !IsLimitError(err) {
		t.Errorf("a limit one byte short: err = %v, want a limit error", err)
	}
	text := readTestdata(t, "go1.27/segv.txt")
	same, compressed, err := decompress(text, within(1))
	if err != nil || compressed || !bytes.Equal(same, text) {
		t.Errorf("uncompressed data must pass through unchanged, whatever the limit")
	}
}

func TestFormatSize(t *testing.T) {
	for n, want := range map[int64]string{
		0:                 "0 B",
		1023:              "1023 B",
		1024:              "1 KiB",
		64 << 20:          "64 MiB",
		512 << 20:         "512 MiB",
		3 << 29:           "1.5 GiB",
		(1 << 30) + 1<<20: "1.0 GiB",
	} {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

// Data that expands more than real profiles do is measured, then read in
// full when it fits: a goroutine dump of repeated stacks is not a bomb.
func TestHighlyCompressedDataWithinLimit(t *testing.T) {
	text := bytes.Repeat([]byte("goroutine 7 [chan receive]:\nmain.worker()\n\t/app/main.go:30 +0x40\n\n"), 100_000)
	data := hostile.Gzip(text)
	if ratio := len(text) / len(data); ratio <= directRatio {
		t.Fatalf("compression ratio %d; the test wants more than %d", ratio, directRatio)
	}
	plain, _, err := decompress(data, within(int64(len(text))))
	if err != nil || !bytes.Equal(plain, text) {
		t.Fatalf("%d bytes back of %d, err = %v", len(plain), len(text), err)
	}
	if _, _, err := decompress(data, within(int64(len(text))-1)); !IsLimitError(err) {
		t.Errorf("one byte short: err = %v", err)
	}
	small := []byte("goroutine 1 [running]:\n")
	if plain, _, err := decompress(hostile.Gzip(small), within(1<<20)); err != nil || !bytes.Equal(plain, small) {
		t.Errorf("small data: %q, %v", plain, err)
	}
}

// within is the default Limits with a decompression limit of n bytes.
func within(n int64) Limits { return Limits{MaxDecompressedBytes: n}.WithDefaults() }
