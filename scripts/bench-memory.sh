#!/usr/bin/env bash
# Measures the plugin's memory and query times on a real goroutine dump of
# a million goroutines (about 335 MiB; pkg/stackgroups/testdata/bigdump
# built and run with the local Go toolchain on first use, cached in the user
# cache directory). Through the plugin protocol, on the built binary:
# upload in 1 MiB chunks, a groups query and its repetition, then a new
# plugin process (nothing cached) querying the stored dump. Prints each
# process's peak resident memory (VmHWM) as a multiple of the dump's size
# and the query times; then the same queries in-process (Go benchmark) and,
# as the peer, the heap the parser alone needs on that dump.
#
# Usage: scripts/bench-memory.sh [GOROUTINES]   (default 1000000)
# GOROUTINE_DUMP=file measures another dump. The plugin inherits the
# environment, so GOMEMLIMIT=... measures it under a soft memory limit.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}

src=pkg/stackgroups/testdata/bigdump/main.go.txt
cache="${XDG_CACHE_HOME:-$HOME/.cache}/goscope-pprof"
dump="${GOROUTINE_DUMP:-$cache/bigdump-$( (cat "$src"; go version) | sha256sum | cut -c1-12)-$n.txt}"
if [ ! -s "$dump" ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	cp "$src" "$work/main.go"
	printf 'module bigdump\n\ngo 1.21\n' >"$work/go.mod"
	(cd "$work" && GOFLAGS= CGO_ENABLED=0 go build -o bigdump .)
	mkdir -p "$(dirname "$dump")"
	"$work/bigdump" -n "$n" -out "$dump.tmp" >/dev/null
	mv "$dump.tmp" "$dump"
fi
size=$(stat -c %s "$dump")

echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "dump: $(basename "$dump"), $((size >> 20)) MiB, $(grep -c '^goroutine ' "$dump") goroutines"
echo "GOMEMLIMIT: ${GOMEMLIMIT:-unset}"
echo

go tool mage build:linux >/dev/null
out=$(mktemp)
GOROUTINE_DUMP="$dump" go test -tags protocol ./pkg/ -run '^$' -bench ProtocolStoredDump -benchtime 1x -count 1 -timeout 30m | tee "$out"
GOROUTINE_DUMP="$dump" go test ./pkg/plugin/ -run '^$' -bench 'StoredDumpQuery/groups' -benchtime 3x -count 1 -timeout 30m | tee -a "$out"
GOROUTINE_DUMP="$dump" go test ./pkg/stackgroups/ -run '^$' -bench 'Goroutines100k/parse$' -benchtime 1x -count 1 -timeout 30m | tee -a "$out"

awk '
/^BenchmarkProtocolStoredDump/ {
	for (i = 2; i < NF; i++) v[$(i + 1)] = $i
}
/^BenchmarkStoredDumpQuery\/groups\/first/ { first = $3 / 1e6 }
/^BenchmarkStoredDumpQuery\/groups\/repeated/ { repeated = $3 / 1e6 }
/^BenchmarkGoroutines100k\/parse-/ { for (i = 2; i < NF; i++) if ($(i + 1) == "peak-heap/input") parser = $i }
END {
	print ""
	print "through the plugin protocol (peak resident memory of the plugin process / dump size):"
	printf "  upload in chunks                     %5.2fx\n", v["upload-peak-rss/input"]
	printf "  queries after the upload             %5.2fx\n", v["query-peak-rss/input"]
	printf "  first query of a new process         %5.2fx\n", v["first-query-peak-rss/input"]
	printf "  groups query after the upload        %8.1f ms (its parse came from the upload)\n", v["after-upload-query-ms"]
	printf "  groups query repeated (median of 5)  %8.1f ms\n", v["repeated-query-ms"]
	printf "  first groups query of a new process  %8.1f ms (parse)\n", v["first-query-ms"]
	printf "  second query of that process         %8.1f ms\n", v["second-query-ms"]
	print "in-process, Arrow encoding included:"
	printf "  groups query, parsing                %8.1f ms\n", first
	printf "  groups query, repeated               %8.1f ms\n", repeated
	printf "peer: the parser alone, peak heap      %5.2fx the dump\n", parser
	peak = v["upload-peak-rss/input"]
	if (v["query-peak-rss/input"] > peak) peak = v["query-peak-rss/input"]
	if (v["first-query-peak-rss/input"] > peak) peak = v["first-query-peak-rss/input"]
	printf "target: peak under 2x the dump and a repeated query under 200 ms; ours: %.2fx, %.1f ms\n", peak, v["repeated-query-ms"]
}' "$out"
rm -f "$out"
