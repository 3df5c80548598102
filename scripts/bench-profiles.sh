#!/usr/bin/env bash
# Measures the profile engine on the large real CPU profile
# (pkg/profiles/testdata/cpu-large.pb.gz): parsing, the flame graph frame
# and the top table frame, and the pre-scan that bounds what a profile
# decodes to against google/pprof's decoding it protects (Go benchmarks,
# median of COUNT runs), then times
# the real `go tool pprof -top` on the same file (median of RUNS runs) and
# prints the ratios. Targets on the development machine: flame graph frame
# <= 100 ms and top table frame <= 50 ms from a parsed profile.
#
# Usage: scripts/bench-profiles.sh [COUNT] [RUNS]   (defaults 5 and 7)
# PROFILE=file benchmarks `go tool pprof` on another file (the Go
# benchmarks always read the large test profile).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-5}
runs=${2:-7}
profile=${PROFILE:-pkg/profiles/testdata/cpu-large.pb.gz}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$tmp/bench.txt
# The same pprof `go tool pprof` runs, built once, to time without the go
# command's own start-up.
go build -o "$tmp/pprof" cmd/pprof

go test ./pkg/profiles/ -run '^$' -bench 'Large' -benchtime 20x -count "$count" -timeout 30m | tee "$out"

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ms NAME: median milliseconds per op of benchmark NAME
ms() { awk -v n="Benchmark$1-" 'index($1, n) == 1 { print $3 / 1e6 }' "$out" | median; }

# time_cmd CMD...: median wall milliseconds of RUNS runs of a command
time_cmd() {
	"$@" >/dev/null 2>&1 # warm the file cache and the go command's cache
	for _ in $(seq "$runs"); do
		start=$(date +%s%N)
		"$@" >/dev/null 2>&1
		end=$(date +%s%N)
		echo $(((end - start) / 1000))
	done | median | awk '{ print $1 / 1000 }'
}

samples=$(awk '/^BenchmarkParseLarge/ { for (i = 2; i < NF; i++) if ($(i + 1) == "samples") print $i }' "$out" | head -1)
locations=$(awk '/^BenchmarkParseLarge/ { for (i = 2; i < NF; i++) if ($(i + 1) == "locations") print $i }' "$out" | head -1)
parse=$(ms ParseLarge)
prescan=$(ms PrescanLarge)
decode=$(ms DecodeLarge)
flame=$(ms FlameGraphLarge)
limited=$(ms FlameGraphLargeLimited)
top=$(ms TopLarge)
flameBytes=$(ms FlameGraphLargeFromBytes)
topBytes=$(ms TopLargeFromBytes)
pprofTool=$(time_cmd go tool pprof -top "$profile")
pprofBinary=$(time_cmd "$tmp/pprof" -top "$profile")

echo
echo "profile: $profile ($samples samples, $locations locations, $(du -h "$profile" | cut -f1) gzipped)"
printf '%-52s %10s\n' "median wall time" "ms"
printf '%-52s %10.1f\n' "parse (profiles.Parse)" "$parse"
printf '%-52s %10.1f\n' "  of which the pre-scan of the decompressed bytes" "$prescan"
printf '%-52s %10.1f\n' "google/pprof decoding the same bytes" "$decode"
printf '%-52s %10.1f   target <= 100\n' "flame graph frame from the parsed profile" "$flame"
printf '%-52s %10.1f\n' "  same, node limit 8192" "$limited"
printf '%-52s %10.1f   target <= 50\n' "top table frame from the parsed profile" "$top"
printf '%-52s %10.1f\n' "flame graph frame from the file's bytes" "$flameBytes"
printf '%-52s %10.1f\n' "top table frame from the file's bytes" "$topBytes"
printf '%-52s %10.1f   (%s runs)\n' "go tool pprof -top" "$pprofTool" "$runs"
printf '%-52s %10.1f   (cmd/pprof built, without the go command)\n' "pprof -top" "$pprofBinary"
echo
awk -v p="$pprofTool" -v b="$pprofBinary" -v tb="$topBytes" -v t="$top" -v fb="$flameBytes" -v s="$prescan" -v d="$decode" 'BEGIN {
	printf "pre-scan / google/pprof decoding:                 %6.1f%%\n", 100 * s / d
	printf "go tool pprof -top / our top from bytes:          %6.1fx faster\n", p / tb
	printf "pprof -top         / our top from bytes:          %6.1fx faster\n", b / tb
	printf "go tool pprof -top / our top from parsed profile: %6.1fx faster\n", p / t
	printf "go tool pprof -top / our flame graph from bytes:  %6.1fx faster\n", p / fb
}'
