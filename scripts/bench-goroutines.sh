#!/usr/bin/env bash
# Measures goroutine dump parsing on one core: parse + group of a real
# 100 000-goroutine debug=2 dump (about 30 MiB, generated on first run from
# pkg/stackgroups/testdata/bigdump and cached), against panicparse v2 and
# gostackparse on the same file in the same run. Prints MiB/s, peak heap
# over input size, and the ratios ours/peer.
#
# Usage: scripts/bench-goroutines.sh [COUNT]   (default 3 runs of each)
# GOROUTINE_DUMP=file benchmarks another dump.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-3}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

go test ./pkg/stackgroups/ -run '^$' -bench 'Goroutines100k|Peers100k' -cpu 1 -count "$count" -timeout 30m | tee "$out"

awk '
/^Benchmark/ {
	name = $1
	sub(/^Benchmark/, "", name)
	sub(/-[0-9]+$/, "", name)
	for (i = 2; i < NF; i++) {
		if ($(i + 1) == "MiB/s") { mibs[name] += $i; runs[name]++ }
		if ($(i + 1) == "peak-heap/input") { peak[name] = (peak[name] > $i ? peak[name] : $i) }
	}
	if (!(name in seen)) { seen[name] = 1; order[n++] = name }
}
END {
	print ""
	printf "%-45s %10s %16s\n", "benchmark (GOMAXPROCS=1)", "MiB/s", "peak heap/input"
	for (i = 0; i < n; i++) {
		k = order[i]
		avg[k] = mibs[k] / runs[k]
		printf "%-45s %10.1f %16.2f\n", k, avg[k], peak[k]
	}
	ours = avg["Goroutines100k/parse+group"]
	print ""
	printf "ratio ours (parse+group) / panicparse (parse+aggregate): %6.1fx\n", ours / avg["Peers100k/panicparse/parse+aggregate"]
	printf "ratio ours (parse+group) / gostackparse (parse+group):   %6.1fx\n", ours / avg["Peers100k/gostackparse/parse+group"]
	printf "ratio ours (parse) / gostackparse (parse):               %6.1fx\n", avg["Goroutines100k/parse"] / avg["Peers100k/gostackparse/parse"]
	printf "target: at least 150 MiB/s and peak heap at most 2x input; ours: %.1f MiB/s, %.2fx\n", ours, peak["Goroutines100k/parse+group"]
}' "$out"

# The same dump through the plugin protocol: upload it to the built binary
# and time a groups query in a fresh plugin process, which parses the dump
# (the issue's bar: under 1 s), and the same query repeated, which the
# parse cache answers.
dump="${GOROUTINE_DUMP:-$(ls -t "${XDG_CACHE_HOME:-$HOME/.cache}"/goscope-pprof/bigdump-*-100000.txt | head -1)}"
go tool mage build:linux >/dev/null
echo
echo "groups query through the plugin protocol on $(basename "$dump"):"
GOROUTINE_DUMP="$dump" go test -tags protocol ./pkg/ -run '^$' -bench ProtocolStoredDump -benchtime 1x -count 1 |
	awk '/^BenchmarkProtocol/ {
		for (i = 2; i < NF; i++) {
			if ($(i + 1) == "first-query-ms") first = $i
			if ($(i + 1) == "repeated-query-ms") repeated = $i
		}
		printf "%.0f ms for the first query (parse), %.1f ms repeated\n", first, repeated
	}'
