// Package traces reads Go execution traces (runtime/trace, net/http/pprof's
// /debug/pprof/trace, flight-recorder snapshots) and computes what a person
// asks of them: how many goroutines were in each state over time, where time
// was spent blocked or waiting for a P (as profiles whose totals equal
// `go tool trace -pprof=net|sync|syscall|sched`), per-goroutine and
// per-start-function statistics like `go tool trace`'s goroutine analysis,
// per-goroutine state timelines, the program's own regions and tasks, GC and
// stop-the-world periods, and the runtime metrics the trace samples.
//
// Traces are read with golang.org/x/exp/trace in one streaming pass: the
// state kept is proportional to the goroutines alive and the distinct stacks
// seen, not to the length of the trace (the reader itself holds one
// generation, about a second of the trace, at a time). Trace formats of Go
// 1.22 to 1.27 are read; the older format of Go 1.11–1.21 can only be
// decoded whole in memory and is refused with an error naming its version.
//
// The package knows nothing of Grafana; pkg/frames turns its results into
// data frames.
package traces
