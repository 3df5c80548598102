#!/bin/sh
# Compares pkg/traces with the real `go tool trace -pprof` on traces of your
# own: for each TRACE it writes DIR/trace.out and DIR/KIND.pb.gz (KIND =
# net, sync, syscall, sched) made by `go tool trace` of the Go release
# GOTOOLCHAIN selects (the one on PATH by default), then runs the golden
# test on them, stack by stack. Set TRACE_REFERENCE=latest when that
# release is Go 1.26 or later and the trace was written by an older one.
#
#	sh pkg/traces/testdata/compare.sh app.trace other.trace
set -eu
[ $# -gt 0 ] || { echo "usage: $0 TRACE..." >&2; exit 2; }
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dirs=
i=0
for trace in "$@"; do
	i=$((i + 1))
	dir=$work/$i
	mkdir -p "$dir"
	cp "$trace" "$dir/trace.out"
	for kind in net sync syscall sched; do
		# from gen/, whose go.mod every release accepts
		(cd "$root/pkg/traces/testdata/gen" && go tool trace -pprof=$kind "$dir/trace.out") >"$dir/$kind.pb.gz"
	done
	dirs=${dirs:+$dirs:}$dir
done
cd "$root"
GOTOOLCHAIN=local TRACE_GOLDEN_DIRS=$dirs go test ./pkg/traces -count=1 -run 'TestBlockingMatchesGoToolTrace' -v 2>&1 | grep -E "^(=== RUN|---|ok|FAIL)|golden_test" | grep -v '^=== RUN' | grep -F -e "$work" -e ok -e FAIL
