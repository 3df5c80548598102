// Package waitstates maps the goroutine states and wait reasons that Go
// runtimes print in tracebacks (every version from Go 1.13 to 1.27) to a small,
// stable set of categories, so that dumps from different Go versions can be
// compared and alerted on in the same terms.
//
// The table is documented in README.md.
package waitstates

import "strings"

// Category is a stable class of goroutine states.
type Category uint8

// The categories, in the order views list them.
const (
	// Unknown is for goroutines whose state the dump does not carry
	// (goroutine profiles in debug=1 text or protobuf).
	Unknown Category = iota
	Running
	Runnable
	Syscall
	IO
	Lock
	Channel
	Select
	Sleep
	Sync
	Runtime
	Other
)

var categoryNames = [...]struct{ id, title string }{
	Unknown:  {"unknown", "Unknown (not in this format)"},
	Running:  {"running", "Running"},
	Runnable: {"runnable", "Runnable"},
	Syscall:  {"syscall", "Syscall"},
	IO:       {"io", "Network/IO wait"},
	Lock:     {"lock", "Mutex/lock"},
	Channel:  {"channel", "Channel"},
	Select:   {"select", "Select"},
	Sleep:    {"sleep", "Sleep/timer"},
	Sync:     {"sync", "sync.Cond/WaitGroup"},
	Runtime:  {"runtime", "GC and runtime-internal"},
	Other:    {"other", "Other"},
}

// Categories returns every category that a state can map to, in display
// order (Unknown excluded).
func Categories() []Category {
	return []Category{Running, Runnable, Syscall, IO, Lock, Channel, Select, Sleep, Sync, Runtime, Other}
}

// String returns the category's stable identifier, such as "channel".
func (c Category) String() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c].id
	}
	return categoryNames[Other].id
}

// Title returns a human-readable name, such as "Network/IO wait".
func (c Category) Title() string {
	if int(c) < len(categoryNames) {
		return categoryNames[c].title
	}
	return categoryNames[Other].title
}

// Blocked reports whether goroutines in the category wait for something
// outside themselves (the categories a leak or a pile-up shows in).
func (c Category) Blocked() bool {
	switch c {
	case Syscall, IO, Lock, Channel, Select, Sleep, Sync:
		return true
	}
	return false
}

// ParseCategory accepts a category identifier or title, case-insensitively.
func ParseCategory(s string) (Category, bool) {
	s = strings.TrimSpace(s)
	for c, n := range categoryNames {
		if strings.EqualFold(s, n.id) || strings.EqualFold(s, n.title) {
			return Category(c), true
		}
	}
	return Unknown, false
}

// Of returns the category of a state as printed in a goroutine header: a
// wait reason such as "chan receive" or a status such as "runnable". The
// suffixes the runtime appends, " (durable)", " (leaked)", " (scan)" and Go
// 1.24's " (synctest)", are accepted. States that no Go version up to 1.27
// prints map to Other.
func Of(state string) Category {
	if r, ok := byText[state]; ok {
		return r.Category
	}
	if base := Base(state); base != state {
		if r, ok := byText[base]; ok {
			return r.Category
		}
	}
	return Other
}

// Base strips the flag suffixes the runtime may print after a wait reason:
// " (leaked)", " (scan)", " (durable)" and Go 1.24's " (synctest)".
func Base(state string) string {
	for {
		trimmed := state
		for _, suffix := range flagSuffixes {
			trimmed = strings.TrimSuffix(trimmed, suffix)
		}
		if trimmed == state {
			return state
		}
		state = trimmed
	}
}

var flagSuffixes = []string{" (leaked)", " (scan)", " (durable)", " (synctest)"}

// Ambiguous reports whether a state's category depends on the stack: before
// Go 1.20 "semacquire" stood for sync.Mutex and sync.RWMutex waits, and before
// Go 1.24 for sync.WaitGroup.Wait as well.
func Ambiguous(state string) bool {
	return state == "semacquire"
}

// FromFrame returns the category that a function on the stack of a goroutine
// in an Ambiguous state implies, and false when the function says nothing.
// Callers look at the frames from the innermost out and stop at the first hit.
func FromFrame(function string) (Category, bool) {
	switch function {
	case "sync.(*WaitGroup).Wait":
		return Sync, true
	case "sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow", "sync.(*RWMutex).RLock", "sync.(*RWMutex).Lock",
		"internal/sync.(*Mutex).Lock", "internal/sync.(*Mutex).lockSlow":
		return Lock, true
	}
	return Unknown, false
}
