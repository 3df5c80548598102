#!/usr/bin/env bash
# Measures pkg/traces against `go tool trace` on a large execution trace of a
# real program: generates a trace of at least MIN_MIB MiB with
# pkg/traces/testdata/gen (its workload plus goroutine pairs passing a token,
# the densest events a program writes), then runs once each, under GNU time,
# the real `go tool trace -pprof=sched` (built once, so the go command's own
# start-up is not counted) and scripts/tracebench (one streaming pass of
# pkg/traces, the same analysis the plugin runs), checks that both give the
# same sched totals, and prints wall time and peak RSS of both and the
# ratios. It prints the machine it ran on first; keep the output in
# scripts/results/.
#
# Usage: scripts/bench-traces.sh [MIN_MIB]   (default 200)
# TRACE=file measures an existing trace instead of generating one.
set -euo pipefail
cd "$(dirname "$0")/.."
min_mib=${1:-200}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(uname -srm), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(go version)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
go build -o "$tmp/trace" cmd/trace
go build -o "$tmp/tracebench" ./scripts/tracebench

trace=${TRACE:-}
if [ -z "$trace" ]; then
	trace=$tmp/trace.out
	(cd pkg/traces/testdata/gen && go build -trimpath -o "$tmp/gen" .)
	seconds=10
	while :; do
		"$tmp/gen" -out "$tmp" -d "${seconds}s" -pingpong 4
		mib=$(($(stat -c %s "$trace") >> 20))
		echo "generated ${mib} MiB in ${seconds}s of tracing"
		[ "$mib" -ge "$min_mib" ] && break
		seconds=$((seconds * min_mib / (mib + 1) + 1))
	done
fi
size=$(stat -c %s "$trace")

# run NAME CMD...: wall seconds and peak RSS KiB of one run, into NAME.time
run() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$tmp/$name.time" "$@"
}
sync
cat "$trace" >/dev/null # the file cache, warm for both
run tool "$tmp/trace" -pprof=sched "$trace" >"$tmp/sched.pb.gz"
run ours "$tmp/tracebench" -kind sched -reference "$tmp/sched.pb.gz" "$trace" | tee "$tmp/ours.txt"
grep -q 'totals agree' "$tmp/ours.txt" || {
	echo "pkg/traces and go tool trace disagree on the sched totals" >&2
	exit 1
}

read -r toolSec toolKiB <"$tmp/tool.time"
read -r oursSec oursKiB <"$tmp/ours.time"
echo
echo "trace: $((size >> 20)) MiB"
printf '%-44s %10s %14s\n' "" "wall s" "peak RSS MiB"
printf '%-44s %10.2f %14.1f\n' "go tool trace -pprof=sched" "$toolSec" "$(echo "$toolKiB / 1024" | bc -l)"
printf '%-44s %10.2f %14.1f\n' "pkg/traces (every view, one pass)" "$oursSec" "$(echo "$oursKiB / 1024" | bc -l)"
printf '%-44s %10.2f %14.2f\n' "ratio go tool trace / pkg/traces" "$(echo "$toolSec / $oursSec" | bc -l)" "$(echo "$toolKiB / $oursKiB" | bc -l)"
