// Package hostile builds the hostile inputs the tests keep as a catalogue:
// profiles whose few bytes decode to millions of stack frames, gzip inside
// gzip, goroutine dumps and text profiles with absurdly deep stacks. Each
// is written as a stream, so a test can make the full-size case without
// holding it in memory.
package hostile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"strings"
)

// Function names of the recursion the deep stacks are made of.
const (
	FuncA = "main.descend"
	FuncB = "main.recurse"
)

// WriteDeepCPUProfile writes an uncompressed CPU profile (pprof protobuf)
// of samples samples that share one stack depth frames deep: FuncA and
// FuncB calling each other, one byte per frame in the packed location ids.
func WriteDeepCPUProfile(w io.Writer, samples, depth int) error {
	return writeDeepProfile(w, "cpu", "nanoseconds", 10_000_000, samples, depth)
}

// WriteDeepGoroutineProfile writes the same shape as a goroutine profile.
func WriteDeepGoroutineProfile(w io.Writer, samples, depth int) error {
	return writeDeepProfile(w, "goroutine", "count", 1, samples, depth)
}

func writeDeepProfile(w io.Writer, typ, unit string, value uint64, samples, depth int) error {
	bw := bufio.NewWriter(w)
	strs := []string{"", typ, unit, FuncA, FuncB, "main.go"}
	var head []byte
	head = appendMessage(head, 1, valueType(1, 2))
	bw.Write(head)

	// Sample: packed location ids 1, 2, 1, 2... then its value.
	var valueField []byte
	valueField = appendBytes(valueField, 2, appendVarint(nil, value))
	idsHeader := appendTag(nil, 1, 2)
	idsHeader = appendVarint(idsHeader, uint64(depth))
	sampleLen := len(idsHeader) + depth + len(valueField)
	ids := bytes.Repeat([]byte{1, 2}, 32<<10)
	for range samples {
		var h []byte
		h = appendTag(h, 2, 2)
		h = appendVarint(h, uint64(sampleLen))
		bw.Write(h)
		bw.Write(idsHeader)
		for left := depth; left > 0; {
			n := min(left, len(ids))
			bw.Write(ids[:n])
			left -= n
		}
		bw.Write(valueField)
	}

	var tail []byte
	for id := uint64(1); id <= 2; id++ {
		var line []byte
		line = appendVarintField(line, 1, id)
		line = appendVarintField(line, 2, 10+id)
		var loc []byte
		loc = appendVarintField(loc, 1, id)
		loc = appendVarintField(loc, 3, 0x1000*id)
		loc = appendMessage(loc, 4, line)
		tail = appendMessage(tail, 4, loc)
	}
	for id := uint64(1); id <= 2; id++ {
		var fn []byte
		fn = appendVarintField(fn, 1, id)
		fn = appendVarintField(fn, 2, 2+id)
		fn = appendVarintField(fn, 3, 2+id)
		fn = appendVarintField(fn, 4, 5)
		tail = appendMessage(tail, 5, fn)
	}
	for _, s := range strs {
		tail = appendBytes(tail, 6, []byte(s))
	}
	tail = appendMessage(tail, 11, valueType(1, 2))
	tail = appendVarintField(tail, 12, value)
	bw.Write(tail)
	return bw.Flush()
}

// DeepCPUProfile returns WriteDeepCPUProfile's profile gzipped, as a
// target serves it.
func DeepCPUProfile(samples, depth int) []byte {
	return gzipped(func(w io.Writer) error { return WriteDeepCPUProfile(w, samples, depth) })
}

// DeepGoroutineProfile returns WriteDeepGoroutineProfile's profile
// gzipped.
func DeepGoroutineProfile(samples, depth int) []byte {
	return gzipped(func(w io.Writer) error { return WriteDeepGoroutineProfile(w, samples, depth) })
}

func gzipped(write func(io.Writer) error) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err := write(zw); err != nil {
		panic(err)
	}
	zw.Close()
	return buf.Bytes()
}

// NestedGzipBomb returns gzip(gzip(size zero bytes)): a few KiB that
// inflate once to a gzip stream and twice to size bytes.
func NestedGzipBomb(size int64) []byte {
	return Gzip(GzipOfZeros(size))
}

// GzipOfZeros returns gzip of size zero bytes, written as concatenated
// members of one compressed MiB, which gzip readers decode as one stream.
func GzipOfZeros(size int64) []byte {
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	zw.Write(make([]byte, min(size, 1<<20)))
	zw.Close()
	return bytes.Repeat(member.Bytes(), int(max(1, (size+(1<<20)-1)>>20)))
}

// Gzip compresses data.
func Gzip(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// DeepGoroutineDump returns a goroutine?debug=2 dump with a goroutine
// of depth frames (FuncA and FuncB in turn) between two ordinary ones.
func DeepGoroutineDump(depth int) []byte {
	var b strings.Builder
	b.WriteString("goroutine 1 [running]:\nmain.main()\n\t/app/main.go:10 +0x1d\n\n")
	b.WriteString("goroutine 7 [chan receive, 3 minutes]:\n")
	writeFrames(&b, depth, "%s(...)\n\t/app/main.go:%d +0x%x\n")
	b.WriteString("created by main.main in goroutine 1\n\t/app/main.go:12 +0x25\n\n")
	b.WriteString("goroutine 8 [select]:\nmain.worker()\n\t/app/main.go:30 +0x40\ncreated by main.main in goroutine 1\n\t/app/main.go:13 +0x30\n")
	return []byte(b.String())
}

// DeepGoroutineText returns goroutine?debug=1 text with one record of
// depth frames, addresses and "#" lines, like the runtime writes.
func DeepGoroutineText(depth int) []byte {
	var b strings.Builder
	b.WriteString("goroutine profile: total 3\n2 @")
	for i := range depth {
		fmt.Fprintf(&b, " 0x%x", 0x401000+i%2*0x100)
	}
	b.WriteString("\n")
	for i := range depth {
		fn := FuncA
		if i%2 == 1 {
			fn = FuncB
		}
		fmt.Fprintf(&b, "#\t0x%x\t%s+0x10\t/app/main.go:%d\n", 0x401000+i%2*0x100-1, fn, 20+i%2)
	}
	b.WriteString("\n1 @ 0x402000\n#\t0x401fff\tmain.main+0x1f\t/app/main.go:10\n\n")
	return []byte(b.String())
}

// writeFrames writes depth frames of FuncA and FuncB in turn, each with
// format, given the function, a line and an offset.
func writeFrames(b *strings.Builder, depth int, format string) {
	for i := range depth {
		fn := FuncA
		if i%2 == 1 {
			fn = FuncB
		}
		fmt.Fprintf(b, format, fn, 20+i%2, 0x10+i%2)
	}
}

func valueType(typ, unit uint64) []byte {
	return appendVarintField(appendVarintField(nil, 1, typ), 2, unit)
}

func appendTag(b []byte, field, wire uint64) []byte { return appendVarint(b, field<<3|wire) }

func appendVarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

func appendVarintField(b []byte, field, v uint64) []byte {
	return appendVarint(appendTag(b, field, 0), v)
}

func appendBytes(b []byte, field uint64, data []byte) []byte {
	return append(appendVarint(appendTag(b, field, 2), uint64(len(data))), data...)
}

func appendMessage(b []byte, field uint64, msg []byte) []byte { return appendBytes(b, field, msg) }

// Allocated returns the bytes f allocates, from the runtime's own count,
// for tests that bound what refusing or reading an input costs.
func Allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// DeepRaceReport returns a race detector report whose first access has a
// stack of depth frames.
func DeepRaceReport(depth int) []byte {
	var b strings.Builder
	b.WriteString("==================\nWARNING: DATA RACE\nWrite at 0x00c000012345 by goroutine 7:\n")
	writeFrames(&b, depth, "  %s()\n      /app/main.go:%d +0x%x\n")
	b.WriteString("\nPrevious read at 0x00c000012345 by goroutine 8:\n  main.reader()\n      /app/main.go:30 +0x40\n\n")
	b.WriteString("Goroutine 7 (running) created at:\n  main.main()\n      /app/main.go:12 +0x25\n==================\n")
	return []byte(b.String())
}
