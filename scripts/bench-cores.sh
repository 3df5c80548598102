#!/usr/bin/env bash
# Measures reading a large core dump into goroutine views against Delve
# listing the goroutines of the same core (`dlv core BIN CORE --init` with
# `goroutines`), in the same run. The core is made here, never committed: the
# scenario program of pkg/cores/testdata at SCALE (default 620: about
# 103,500 goroutines) dumps its own goroutines with runtime.Stack, then gdb's
# gcore writes its core (well over 1 GiB). The script checks that the core's
# states and groups views agree with that dump, then prints wall time and
# peak resident memory of both readers and the ratios dlv/ours.
#
# Usage: scripts/bench-cores.sh [SCALE]
# Needs gcore (Debian's gdb) and fetches dlv v1.27.2 with `go install` when
# it is not on PATH (into a temporary directory, not the repository).
set -euo pipefail
cd "$(dirname "$0")/.."
scale=${1:-620}
work=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

command -v gcore >/dev/null || { echo "gcore is missing: apt-get install gdb" >&2; exit 1; }
dlv=$(command -v dlv || true)
if [ -z "$dlv" ]; then
	GOBIN="$work/bin" go install github.com/go-delve/delve/cmd/dlv@v1.27.2
	dlv="$work/bin/dlv"
fi

(cd pkg/cores/testdata/scenario && CGO_ENABLED=0 go build -o "$work/scenario" .)
"$work/scenario" "$work/dump.txt" wait "$scale" >"$work/stdout" 2>"$work/stderr" &
pid=$!
for _ in $(seq 1 600); do
	grep -q '^ready' "$work/stdout" && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
	sleep 0.2
done
gcore -o "$work/core" "$pid" >/dev/null 2>&1
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=
core="$work/core.$(awk '/^ready/ {print $2}' "$work/stdout")"
echo "$(go version), $(nproc) CPUs, $("$dlv" version | awk '/^Version/ {print "dlv " $2}')"
echo "core: $(du -h --apparent-size "$core" | cut -f1) written by gcore; $(grep -c '^goroutine ' "$work/dump.txt") goroutines in the process's own dump"

export GOPPROF_LARGE_CORE="$core" GOPPROF_LARGE_EXE="$work/scenario" GOPPROF_LARGE_DUMP="$work/dump.txt"
go test ./pkg/cores/ -count=1 -run '^TestLargeCoreAgreesWithDump$' -v | grep -E 'views agree|^(--- |ok|FAIL)'

# Warm the page cache for both readers alike.
cat "$core" >/dev/null
printf 'goroutines\nexit\n' >"$work/init"
go test ./pkg/cores/ -run '^$' -bench '^BenchmarkReadLargeCore$' -benchtime 3x -count 1 >"$work/bench"
cat "$work/bench"
ours=$(awk '/^BenchmarkReadLargeCore/ {
	for (i = 2; i < NF; i++) { if ($(i+1) == "ns/op") t = $i / 1e9; if ($(i+1) == "peak-RSS-MiB") m = $i }
	print t, m }' "$work/bench")
/usr/bin/time -f '%e %M' -o "$work/dlv.time" "$dlv" core "$work/scenario" "$core" --init "$work/init" --allow-non-terminal-interactive=true >"$work/dlv.out" 2>&1 </dev/null
read -r dlv_s dlv_kib <"$work/dlv.time"
listed=$(grep -c 'Goroutine [0-9]' "$work/dlv.out" || true)
read -r ours_s ours_mib <<<"$ours"
awk -v os="$ours_s" -v om="$ours_mib" -v ds="$dlv_s" -v dk="$dlv_kib" -v n="$listed" 'BEGIN {
	printf "\n%-44s %10s %14s\n", "reader", "seconds", "peak RSS MiB"
	printf "%-44s %10.2f %14.0f\n", "pkg/cores: read + states + groups views", os, om
	printf "%-44s %10.2f %14.0f\n", "dlv core + goroutines (" n " listed)", ds, dk / 1024
	printf "dlv/ours: time %.1fx, memory %.1fx\n", ds / os, (dk / 1024) / om
}'
