// Package dumpformat recognises what a Go diagnostic file is from its bytes:
// goroutine stack dumps and crash output, the debug=1 text profiles, pprof
// protobuf profiles (and which runtime profile they hold), execution traces
// and the /debug/pprof/ index page. It also undoes gzip within a hard size
// limit and finds capture times in profiles and in dump file names.
//
// Detection looks only at content, never at a file's extension, so a
// misnamed file is still recognised and a broken one is reported with the
// reason it was not.
package dumpformat

import "slices"

// Format names a kind of Go diagnostic data. The values are stable strings
// that can be stored, sent to the frontend and used in query filters.
type Format string

// The formats the plugin reads, and Unknown for everything else.
const (
	Unknown Format = "unknown"

	// GoroutineText is goroutine?debug=2 output: one block per goroutine
	// with its state and wait time.
	GoroutineText Format = "goroutine-text"
	// CrashText is what the runtime prints when a program dies or is sent
	// SIGQUIT (panic, fatal error, signal), with any race detector reports
	// before it; it usually holds goroutine blocks in the debug=2 layout,
	// and a log may hold several crashes.
	CrashText Format = "crash-text"
	// RaceText is race detector output without a goroutine dump: the
	// "WARNING: DATA RACE" reports of `go test -race` or of a program built
	// with -race. It has stacks of accesses and goroutine creations, no
	// goroutine states.
	RaceText Format = "race-text"

	GoroutineDebug1     Format = "goroutine-debug1"
	GoroutineLeakDebug1 Format = "goroutineleak-debug1"
	// HeapDebug1 is heap?debug=1 or allocs?debug=1 text: the runtime writes
	// the two identically, so one format covers both.
	HeapDebug1         Format = "heap-debug1"
	ThreadcreateDebug1 Format = "threadcreate-debug1"
	BlockDebug1        Format = "block-debug1"
	MutexDebug1        Format = "mutex-debug1"

	PprofGoroutine     Format = "pprof-goroutine"
	PprofGoroutineLeak Format = "pprof-goroutineleak"
	// PprofHeap and PprofAllocs carry the same four sample types; the
	// runtime marks the allocs profile only by its default sample type
	// (alloc_space), and that is what tells them apart here.
	PprofHeap         Format = "pprof-heap"
	PprofAllocs       Format = "pprof-allocs"
	PprofCPU          Format = "pprof-cpu"
	PprofThreadcreate Format = "pprof-threadcreate"
	// PprofBlock and PprofMutex also share their sample types
	// (contentions/count, delay/nanoseconds); they are told apart by where
	// the stacks end: mutex stacks end in an unlock, block stacks in the
	// blocking call.
	PprofBlock Format = "pprof-block"
	PprofMutex Format = "pprof-mutex"
	// PprofContention is a block or mutex profile without samples, which
	// nothing in its content can attribute to either.
	PprofContention Format = "pprof-contention"
	// PprofOther is a valid pprof profile that no Go runtime profile matches
	// (a custom profile, or one from another language).
	PprofOther Format = "pprof-other"

	// Trace is a runtime execution trace (trace?seconds=N).
	Trace Format = "trace"
	// Index is the /debug/pprof/ HTML page with a count per profile.
	Index Format = "pprof-index"
	// CoreDump is a Linux ELF core dump of a Go process, read with the
	// executable that produced it (package cores).
	CoreDump Format = "core"
)

type formatInfo struct {
	description string
	profile     string
	encoding    Encoding
}

// Encoding says how a format is laid out, which decides the parser for it.
type Encoding string

// The encodings of the known formats.
const (
	EncodingNone     Encoding = ""
	EncodingText     Encoding = "text"
	EncodingProtobuf Encoding = "protobuf"
	EncodingTrace    Encoding = "trace"
	EncodingHTML     Encoding = "html"
	// EncodingCore is read from a file with its executable, not from bytes.
	EncodingCore Encoding = "core"
)

var formats = map[Format]formatInfo{
	Unknown:             {"unrecognised data", "", EncodingNone},
	GoroutineText:       {"goroutine dump (debug=2)", "goroutine", EncodingText},
	CrashText:           {"crash or SIGQUIT output", "goroutine", EncodingText},
	RaceText:            {"data race report (-race)", "race", EncodingText},
	GoroutineDebug1:     {"goroutine profile (debug=1)", "goroutine", EncodingText},
	GoroutineLeakDebug1: {"goroutine leak profile (debug=1)", "goroutineleak", EncodingText},
	HeapDebug1:          {"heap profile (debug=1)", "heap", EncodingText},
	ThreadcreateDebug1:  {"threadcreate profile (debug=1)", "threadcreate", EncodingText},
	BlockDebug1:         {"block profile (debug=1)", "block", EncodingText},
	MutexDebug1:         {"mutex profile (debug=1)", "mutex", EncodingText},
	PprofGoroutine:      {"goroutine profile (pprof)", "goroutine", EncodingProtobuf},
	PprofGoroutineLeak:  {"goroutine leak profile (pprof)", "goroutineleak", EncodingProtobuf},
	PprofHeap:           {"heap profile (pprof)", "heap", EncodingProtobuf},
	PprofAllocs:         {"allocs profile (pprof)", "allocs", EncodingProtobuf},
	PprofCPU:            {"CPU profile (pprof)", "cpu", EncodingProtobuf},
	PprofThreadcreate:   {"threadcreate profile (pprof)", "threadcreate", EncodingProtobuf},
	PprofBlock:          {"block profile (pprof)", "block", EncodingProtobuf},
	PprofMutex:          {"mutex profile (pprof)", "mutex", EncodingProtobuf},
	PprofContention:     {"block or mutex profile without samples (pprof)", "contention", EncodingProtobuf},
	PprofOther:          {"pprof profile", "", EncodingProtobuf},
	Trace:               {"execution trace", "trace", EncodingTrace},
	Index:               {"/debug/pprof/ index page", "index", EncodingHTML},
	CoreDump:            {"core dump (ELF)", "goroutine", EncodingCore},
}

// Description is a short human-readable name of the format.
func (f Format) Description() string {
	if info, ok := formats[f]; ok {
		return info.description
	}
	return string(f)
}

// Profile is the runtime profile the format holds ("goroutine", "heap",
// "allocs", "cpu", "threadcreate", "block", "mutex", "goroutineleak",
// "contention"), or "race", "trace" and "index"; empty for Unknown and
// PprofOther.
// Several formats share a profile, so a view can ask for "goroutine" and
// take whichever goroutine format a snapshot has.
func (f Format) Profile() string { return formats[f].profile }

// Encoding says whether the format is text, protobuf, a trace or HTML.
func (f Format) Encoding() Encoding { return formats[f].encoding }

// Known reports whether f is one of the formats the plugin reads.
func (f Format) Known() bool {
	_, ok := formats[f]
	return ok && f != Unknown
}

// All returns every known format in a stable order.
func All() []Format {
	all := make([]Format, 0, len(formats))
	for f := range formats {
		if f != Unknown {
			all = append(all, f)
		}
	}
	slices.Sort(all)
	return all
}

// Parse returns the format named s, accepting Unknown too.
func Parse(s string) (Format, bool) {
	_, ok := formats[Format(s)]
	return Format(s), ok
}
