#!/usr/bin/env bash
# Regenerates the files of this directory with real runtime output of the
# programs beside it (Go toolchains are fetched through the module proxy
# with GOTOOLCHAIN):
#   multicrash.*.txt     six runs of service.go.txt appended to one log, one
#                        per failure mode, with the expectations each run
#                        wrote in multicrash.*.expected.jsonl
#   threads.go1.N.txt    threads.go.txt sent SIGQUIT (SIGABRT on 1.24) under
#                        GOTRACEBACK=crash, Go 1.21 to 1.26
#   race.gotest.txt      `go test -race -v` of racy_test.go.txt
#   race.gorun.txt       `go run -race` of racy_main.go.txt
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

gobuild() { # version dir out [flags...]
	local v=$1 dir=$2 out=$3
	shift 3
	(cd "$dir" && env GOFLAGS= GOTOOLCHAIN="go$v" CGO_ENABLED=0 go build "$@" -o "$out" .)
}

mkdir -p "$work/service" "$work/threads" "$work/racy" "$work/racymain"
cp "$here/service.go.txt" "$work/service/main.go"
printf 'module service\n\ngo 1.21\n' >"$work/service/go.mod"
for v in 1.21.0 1.22.0 1.23.0 1.24.0 1.25.0 1.26.0; do
	gobuild "$v" "$work/service" "$work/service/service-$v" || exit 1
done

# One log per logger; each run is a real process, a second apart so that
# second-resolution stamps differ. 3+4+5+6+8+10 = 36 goroutines in all.
multicrash() { # log-format tz versions...
	local format=$1 tz=$2
	shift 2
	local out="$here/multicrash.$format.txt" expect="$here/multicrash.$format.expected.jsonl"
	rm -f "$out" "$expect"
	local modes=(panic gopanic deadlock nilmap panic sigquit) workers=(3 4 5 6 8 10) versions=("$@") i
	for i in 0 1 2 3 4 5; do
		TZ=$tz GOTRACEBACK=all "$work/service/service-${versions[$i]}" -log "$format" -mode "${modes[$i]}" \
			-workers "${workers[$i]}" -expect "$expect" 2>>"$out"
		sleep 1.2
	done
}
multicrash std UTC 1.21.0 1.22.0 1.23.0 1.24.0 1.25.0 1.26.0
multicrash json Europe/Paris 1.26.0 1.26.0 1.26.0 1.26.0 1.26.0 1.26.0
multicrash logfmt America/New_York 1.22.0 1.22.0 1.22.0 1.22.0 1.22.0 1.22.0

cp "$here/threads.go.txt" "$work/threads/main.go"
printf 'module threads\n\ngo 1.21\n' >"$work/threads/go.mod"
for v in 1.21.0 1.22.0 1.23.0 1.24.0 1.25.0 1.26.0; do
	minor=$(echo "$v" | cut -d. -f1-2)
	gobuild "$v" "$work/threads" "$work/threads/threads" || exit 1
	sig=QUIT
	[ "$minor" = 1.24 ] && sig=ABRT
	fifo="$work/threads/ready"
	rm -f "$fifo" && mkfifo "$fifo"
	(ulimit -c 0; GOTRACEBACK=crash GODEBUG=asyncpreemptoff=1 exec "$work/threads/threads" >"$fifo" 2>"$here/threads.go$minor.txt") &
	pid=$!
	read -r -t 30 _ <"$fifo"
	kill -$sig "$pid"
	wait "$pid"
done

cp "$here/racy_test.go.txt" "$work/racy/racy_test.go"
printf 'module racy\n\ngo 1.21\n' >"$work/racy/go.mod"
(cd "$work/racy" && env GOFLAGS= GOTOOLCHAIN=go1.26.0 CGO_ENABLED=1 go test -race -v -count=1 . >"$here/race.gotest.txt" 2>&1)
cp "$here/racy_main.go.txt" "$work/racymain/main.go"
printf 'module racymain\n\ngo 1.21\n' >"$work/racymain/go.mod"
(cd "$work/racymain" && env GOFLAGS= GOTOOLCHAIN=go1.26.0 CGO_ENABLED=1 go run -race . >"$here/race.gorun.txt" 2>&1)

# Keep the repository small: the tests read .gz files transparently.
find "$here" -name '*.txt' -size +16k ! -name '*.go.txt' -exec gzip -9f {} \;
echo done
