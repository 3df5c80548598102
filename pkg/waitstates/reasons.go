package waitstates

// Reason is one state text that Go runtimes print in goroutine headers.
type Reason struct {
	// Text is the state exactly as printed, e.g. "sync.Mutex.Lock".
	Text string
	// Category is the stable class it maps to.
	Category Category
	// Status is true for goroutine statuses ("running", "runnable", ...)
	// and false for wait reasons (printed for waiting goroutines).
	Status bool
	// Since and Until are the first and last Go versions that print it;
	// Until is empty when Go 1.27 still does.
	Since, Until string
	// Note explains the mapping where it is not obvious.
	Note string
}

// Reasons returns the table of every state printed by Go 1.13 to 1.27, from
// the runtime's gStatusStrings and waitReasonStrings of each version.
func Reasons() []Reason {
	out := make([]Reason, len(reasons))
	copy(out, reasons)
	return out
}

var reasons = []Reason{
	{Text: "running", Category: Running, Status: true, Since: "1.13"},
	{Text: "runnable", Category: Runnable, Status: true, Since: "1.13"},
	{Text: "preempted", Category: Runnable, Status: true, Since: "1.14",
		Note: "suspended by asynchronous preemption; runs again when scheduled"},
	{Text: "syscall", Category: Syscall, Status: true, Since: "1.13"},
	{Text: "waiting", Category: Other, Status: true, Since: "1.13",
		Note: "waiting without a recorded reason"},
	{Text: "idle", Category: Runtime, Status: true, Since: "1.13",
		Note: "goroutine 0 (a thread's scheduler stack) in crash output"},
	{Text: "dead", Category: Runtime, Status: true, Since: "1.13"},
	{Text: "copystack", Category: Runtime, Status: true, Since: "1.13",
		Note: "stack being moved by the runtime"},
	{Text: "leaked", Category: Other, Status: true, Since: "1.26",
		Note: "status of a goroutine the leak detector proved unreachable; the wait reason is printed with \" (leaked)\" instead when known"},
	{Text: "waiting for cgo callback", Category: Runtime, Status: true, Since: "1.26",
		Note: "spare goroutine of a thread created by C code"},
	{Text: "???", Category: Other, Status: true, Since: "1.13", Note: "status the runtime could not name"},

	{Text: "IO wait", Category: IO, Since: "1.13", Note: "network poller: sockets, pipes, files opened non-blocking"},

	{Text: "semacquire", Category: Lock, Since: "1.13",
		Note: "sync.Mutex/RWMutex before Go 1.20 and sync.WaitGroup.Wait before Go 1.24; the stack decides (WaitGroup.Wait → sync.Cond/WaitGroup), other semaphores count as locks"},
	{Text: "sync.Mutex.Lock", Category: Lock, Since: "1.20"},
	{Text: "sync.RWMutex.RLock", Category: Lock, Since: "1.20"},
	{Text: "sync.RWMutex.Lock", Category: Lock, Since: "1.20"},

	{Text: "chan receive", Category: Channel, Since: "1.13"},
	{Text: "chan send", Category: Channel, Since: "1.13"},
	{Text: "chan receive (nil chan)", Category: Channel, Since: "1.13", Note: "blocks for ever"},
	{Text: "chan send (nil chan)", Category: Channel, Since: "1.13", Note: "blocks for ever"},
	{Text: "chan receive (synctest)", Category: Channel, Since: "1.24", Until: "1.24", Note: "inside a synctest bubble (GOEXPERIMENT=synctest)"},
	{Text: "chan send (synctest)", Category: Channel, Since: "1.24", Until: "1.24", Note: "inside a synctest bubble (GOEXPERIMENT=synctest)"},
	{Text: "chan receive (durable)", Category: Channel, Since: "1.25", Note: "inside a synctest bubble"},
	{Text: "chan send (durable)", Category: Channel, Since: "1.25", Note: "inside a synctest bubble"},

	{Text: "select", Category: Select, Since: "1.13"},
	{Text: "select (no cases)", Category: Select, Since: "1.13", Note: "select {} blocks for ever"},
	{Text: "select (synctest)", Category: Select, Since: "1.24", Until: "1.24", Note: "inside a synctest bubble (GOEXPERIMENT=synctest)"},
	{Text: "select (durable)", Category: Select, Since: "1.25", Note: "inside a synctest bubble"},

	{Text: "sleep", Category: Sleep, Since: "1.13", Note: "time.Sleep"},

	{Text: "sync.Cond.Wait", Category: Sync, Since: "1.13"},
	{Text: "sync.WaitGroup.Wait", Category: Sync, Since: "1.24"},
	{Text: "sync.WaitGroup.Wait (durable)", Category: Sync, Since: "1.25", Note: "inside a synctest bubble"},
	{Text: "synctest.Run", Category: Sync, Since: "1.24", Note: "waiting for the goroutines of its bubble"},
	{Text: "synctest.Wait", Category: Sync, Since: "1.24", Note: "waiting for the goroutines of its bubble to block"},

	{Text: "GC assist marking", Category: Runtime, Since: "1.13", Note: "a user goroutine paying GC debt"},
	{Text: "GC assist wait", Category: Runtime, Since: "1.13", Note: "a user goroutine stalled until the GC catches up"},
	{Text: "GC sweep wait", Category: Runtime, Since: "1.13"},
	{Text: "GC scavenge wait", Category: Runtime, Since: "1.13"},
	{Text: "GC worker (idle)", Category: Runtime, Since: "1.13"},
	{Text: "GC worker (active)", Category: Runtime, Since: "1.20"},
	{Text: "GC mark termination", Category: Runtime, Since: "1.20"},
	{Text: "GC weak to strong wait", Category: Runtime, Since: "1.24"},
	{Text: "wait for GC cycle", Category: Runtime, Since: "1.13", Note: "runtime.GC called by the program"},
	{Text: "garbage collection", Category: Runtime, Since: "1.13"},
	{Text: "garbage collection scan", Category: Runtime, Since: "1.13"},
	{Text: "force gc (idle)", Category: Runtime, Since: "1.13"},
	{Text: "finalizer wait", Category: Runtime, Since: "1.13"},
	{Text: "cleanup wait", Category: Runtime, Since: "1.25", Note: "runtime.AddCleanup goroutine"},
	{Text: "dumping heap", Category: Runtime, Since: "1.13"},
	{Text: "panicwait", Category: Runtime, Since: "1.13"},
	{Text: "timer goroutine (idle)", Category: Runtime, Since: "1.13", Until: "1.19", Note: "printed by Go 1.13 only; timers have had no goroutine since 1.14"},
	{Text: "trace reader (blocked)", Category: Runtime, Since: "1.13"},
	{Text: "trace goroutine status", Category: Runtime, Since: "1.22"},
	{Text: "trace proc status", Category: Runtime, Since: "1.22"},
	{Text: "page trace flush", Category: Runtime, Since: "1.22"},
	{Text: "debug call", Category: Runtime, Since: "1.15", Note: "debugger call injection"},
	{Text: "stopping the world", Category: Runtime, Since: "1.20"},
	{Text: "flushing proc caches", Category: Runtime, Since: "1.22"},
	{Text: "GOMAXPROCS updater (idle)", Category: Runtime, Since: "1.25"},

	{Text: "coroutine", Category: Other, Since: "1.22", Note: "iter.Pull coroutine waiting to be resumed"},
}

var byText = func() map[string]Reason {
	m := make(map[string]Reason, len(reasons))
	for _, r := range reasons {
		m[r.Text] = r
	}
	return m
}()
