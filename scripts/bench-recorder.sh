#!/usr/bin/env bash
# Measures the recorder's history store (pkg/history) at the scale of a big
# installation: 100 targets sampled every 15 s for 24 h, each with a
# metrics URL and a full goroutine dump a minute (per-category counts and
# waits). Prints the store's size on disk, the time to read 24 h of every
# target for a panel (1000 points per series), the last 5 minutes for an
# alert rule, the time to write one round, and the same panel read from
# samples held in memory (how the recorder kept them before the store) with
# the heap they hold.
#
# Usage: scripts/bench-recorder.sh [COUNT]   (default 5: runs of each benchmark)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/bench.txt

echo "machine: $(uname -srm), $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)), $(go version | cut -d' ' -f3)"
go test ./pkg/history/ -run '^$' -bench . -benchtime 5x -count "$count" -timeout 60m | tee "$out"

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ms NAME: median milliseconds per op of benchmark NAME
ms() { awk -v n="Benchmark$1-" 'index($1, n) == 1 { print $3 / 1e6 }' "$out" | median; }
# metric NAME UNIT: the median of a reported metric
metric() { awk -v n="Benchmark$1-" -v u="$2" 'index($1, n) == 1 { for (i = 2; i <= NF; i++) if ($i == u) print $(i - 1) }' "$out" | median; }

store=$(metric Series24h100TargetsOneFigure MiB-store)
one=$(ms Series24h100TargetsOneFigure)
all=$(ms Series24h100TargetsAllFigures)
alert=$(ms SeriesLast5m100Targets)
round=$(ms AppendRound100Targets)
mem=$(ms InMemory24h100TargetsOneFigure)
heap=$(metric InMemory24h100TargetsOneFigure MiB-heap)

echo
printf '%-64s %10s\n' "100 targets, 15 s samples, 24 h (median of $count runs)" "figure"
printf '%-64s %10.1f MiB\n' "store size on disk" "$store"
printf '%-64s %10.1f KiB\n' "  per target and day" "$(awk -v s="$store" 'BEGIN { print s * 1024 / 100 }')"
printf '%-64s %10.1f ms\n' "24 h of the goroutine count of every target (1000 points each)" "$one"
printf '%-64s %10.1f ms\n' "24 h of every figure of every target" "$all"
printf '%-64s %10.2f ms\n' "last 5 min of one figure of every target (an alert rule)" "$alert"
printf '%-64s %10.2f ms\n' "writing one round of 100 targets (one synced transaction)" "$round"
printf '%-64s %10.1f ms\n' "peer: the same 24 h panel from samples held in memory" "$mem"
printf '%-64s %10.1f MiB\n' "peer: heap held by those samples" "$heap"
printf '%-64s %10.2fx\n' "store query speed against the in-memory peer" "$(awk -v a="$mem" -v b="$one" 'BEGIN { print a / b }')"
