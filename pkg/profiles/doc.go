// Package profiles turns pprof profiles of Go programs into what Grafana
// panels show: call trees for flame graphs (single or diffed), top tables
// like `go tool pprof -top`, and totals per pprof label.
//
// Profiles are parsed with github.com/google/pprof/profile; the legacy
// debug=1 text formats are symbolized from the comments the Go runtime
// prints next to each stack. Focus, ignore and hide follow pprof's
// semantics so results match what `go tool pprof` shows for the same flags.
package profiles

//go:generate sh testdata/golden.sh
