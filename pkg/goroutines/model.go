// Package goroutines parses every goroutine dump a Go operator has in hand —
// goroutine?debug=2 text, panic, fatal error and SIGQUIT output under any
// GOTRACEBACK level, race detector reports, goroutine?debug=1 text and the
// protobuf goroutine profile — from Go 1.13 to Go 1.27, into one model.
//
// Parse detects the format. The text parser is hand-written for throughput on
// dumps of a hundred thousand goroutines: it interns function and file names
// and whole stacks, so goroutines with the same stack share one *Stack.
//
// Text reaches people in many shapes, and ParseAll reads them all:
//
//   - A log may hold several dumps (a service that crashed several times);
//     each is a Snapshot of its own, in the order of the input, with the
//     time stamp of the log line just before it as CapturedAt.
//   - Under GOTRACEBACK=crash the runtime follows the goroutine list with
//     one section per OS thread ("-----", the thread's signal, its
//     scheduler stack printed as "goroutine 0 [idle]", its registers).
//     Those stacks are threads, not goroutines: they are kept in
//     Crash.Threads and never counted; a goroutine whose stack the list
//     could not print gets the one its thread's section printed.
//   - Lines may end in CRLF, tabs may have become spaces, the whole text may
//     be indented, and a log collector may have put a time stamp before
//     every line (kubectl logs --timestamps, container runtime log files).
package goroutines

import (
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/waitstates"
)

// Format says what kind of dump a snapshot was parsed from.
type Format string

// The formats Parse recognises.
const (
	// FormatDebug2 is goroutine?debug=2 text (runtime/pprof's dump of every
	// goroutine, the format of runtime.Stack(buf, true)).
	FormatDebug2 Format = "debug2"
	// FormatCrash is a traceback printed by a panic, a fatal error or a
	// signal such as SIGQUIT.
	FormatCrash Format = "crash"
	// FormatDebug1 is goroutine?debug=1 text: identical stacks with counts.
	FormatDebug1 Format = "debug1"
	// FormatProtobuf is the pprof protobuf goroutine profile (debug=0).
	FormatProtobuf Format = "protobuf"
	// FormatRace is race detector output without a goroutine dump.
	FormatRace Format = "race"
	// FormatCore is a core dump of a Go process, read by package cores.
	FormatCore Format = "core"
)

// Snapshot is one dump: the goroutines of a process at one moment.
type Snapshot struct {
	Format Format
	// Profile is the profile name the dump says it is, for debug=1 text
	// ("goroutine" or Go 1.26's "goroutineleak") and protobuf.
	Profile string
	// StatesKnown is true when the format carries each goroutine's state
	// and wait time (debug=2 and crash output); debug=1 text and protobuf
	// profiles only carry stacks and counts.
	StatesKnown bool
	// Total is the number of goroutines: the number of entries in
	// per-goroutine formats, the sum of counts in debug=1 and protobuf.
	Total int
	// Goroutines are in the order of the dump. In debug=1 and protobuf
	// each entry stands for Count goroutines with the same stack.
	Goroutines []Goroutine
	// Crash is set when the dump is the output of a crash.
	Crash *Crash
	// Races are the race detector reports found in the input.
	Races []Race
	// CapturedAt is the time stamp of the log line nearest before the dump
	// in text input (crash output in a service's log), read in UTC when
	// the stamp has no zone; zero when there is none.
	CapturedAt time.Time
	// CutStacks counts the stacks that were deeper than
	// dumpformat.MaxStackDepth frames and were cut to their innermost.
	CutStacks dumpformat.StackCut
	// Core is set for a snapshot read from a core dump.
	Core *Core
}

// Goroutine is one goroutine, or in debug=1 and protobuf one record of
// Count goroutines with the same stack and labels.
type Goroutine struct {
	// ID is the goroutine id; 0 in debug=1 and protobuf (and for a thread's
	// scheduler stack, "goroutine 0 [idle]", in crash output).
	ID int64
	// Count is how many goroutines the entry stands for.
	Count int
	// State is the status or wait reason as printed, without the flag
	// suffixes that are split out below: "chan receive", "running",
	// "sync.Mutex.Lock". Empty when the format carries no states.
	State string
	// Category is the state's class in the stable taxonomy.
	Category waitstates.Category
	// WaitMinutes is the wait time printed in the header. The runtime
	// prints whole minutes from one minute on, so 0 means "under a minute
	// or not recorded".
	WaitMinutes int
	// LockedToThread is ", locked to thread": the goroutine called
	// runtime.LockOSThread or is a cgo callback.
	LockedToThread bool
	// Leaked is " (leaked)" (Go 1.26+ goroutine leak detection) or a
	// record of the goroutineleak profile.
	Leaked bool
	// Durable is " (durable)" (Go 1.25+) or a Go 1.24 "(synctest)" reason:
	// blocked in a synctest bubble in a way only the bubble can end.
	Durable bool
	// Scanning is " (scan)": the GC was scanning the stack.
	Scanning bool
	// StackUnavailable is set when the runtime printed "goroutine running
	// on other thread; stack unavailable" instead of frames.
	StackUnavailable bool
	// Bubble is the synctest bubble id (", synctest bubble N"; Go 1.24
	// prints ", synctest group N" with the id of the bubble's first
	// goroutine), 0 if none.
	Bubble int64
	// Labels are the pprof labels, sorted by key.
	Labels Labels
	// Stack is shared by every goroutine with the same frames.
	Stack *Stack
	// CreatorID is the goroutine that started this one ("created by F in
	// goroutine N", Go 1.21+), 0 when not printed.
	CreatorID int64
	// Ancestors are the "[originating from goroutine N]" sections printed
	// with GODEBUG=tracebackancestors=N, nearest first.
	Ancestors []Ancestor
	// Thread is the "gp=… m=… mp=…" part of the header printed with
	// GOTRACEBACK=system and above (Go 1.22+); nil when absent.
	Thread *Thread
}

// Stack is a goroutine's frames, innermost first, with where it was
// created. Stacks are interned per snapshot: compare them by pointer.
type Stack struct {
	Frames []Frame
	// Elided is the number of frames the runtime left out, or
	// ElidedUncounted when it printed "...additional frames elided...".
	Elided int
	// ElidedAt is the index in Frames before which frames were left out.
	ElidedAt int
	// CreatedBy is the function (and its call site) that started the
	// goroutine; Func is empty when not printed (goroutine 1, system
	// goroutines, debug=1 and protobuf).
	CreatedBy Frame
	// Hash identifies the stack's functions, files and lines.
	Hash uint64
}

// ElidedUncounted is Stack.Elided when the runtime printed
// "...additional frames elided..." without a count.
const ElidedUncounted = -1

// Frame is one call in a stack. Arguments, program counters and frame
// addresses are not kept: they differ between goroutines with the same
// stack and would defeat grouping.
type Frame struct {
	// Func is the function as printed, with its package path:
	// "net/http.(*conn).serve", "main.main.func1".
	Func string
	// File and Line locate the call.
	File string
	Line int
	// Inlined is true when the runtime printed "(...)" for the arguments
	// (an inlined call, or an ancestor's frame).
	Inlined bool
}

// Ancestor is one "[originating from goroutine N]" section.
type Ancestor struct {
	ID    int64
	Stack *Stack
}

// Thread is the "gp=0x… m=N mp=0x…" part of a goroutine header.
type Thread struct {
	// G is the address of the goroutine's g.
	G uint64
	// M is the id of the thread running it, -1 for "m=nil".
	M int64
	// MP is the address of the thread's m, 0 for "m=nil".
	MP uint64
}

// Label is one pprof label.
type Label struct {
	Key, Value string
}

// Labels are a goroutine's pprof labels, sorted by key.
type Labels []Label

// Get returns the value of a label and whether it is set.
func (l Labels) Get(key string) (string, bool) {
	for _, kv := range l {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return "", false
}

// String formats labels as "k1=v1, k2=v2".
func (l Labels) String() string {
	n := 0
	for _, kv := range l {
		n += len(kv.Key) + len(kv.Value) + 3
	}
	b := make([]byte, 0, n)
	for i, kv := range l {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, kv.Key...)
		b = append(b, '=')
		b = append(b, kv.Value...)
	}
	return string(b)
}
