#!/bin/sh
# Regenerates the golden blocking profiles of testdata/goX.Y with the real
# `go tool trace -pprof=KIND` of the Go release that wrote each trace
# (KIND.pb.gz) and of the newest release (KIND.latest.pb.gz); with -traces it
# first rewrites each trace and its goroutine dump with gen/ built by that
# release. Run by `go generate ./pkg/traces`; toolchains come through
# GOTOOLCHAIN.
set -eu
cd "$(dirname "$0")"
# directory:release that writes the trace:release whose tool is the
# writer's reference:how long to trace (Go 1.22's `go tool trace` ignores
# -pprof for its own format and opens the web viewer; Go 1.23's is the
# oldest that answers). go1.26-long spans several generations.
traces="go1.22:go1.22.0:go1.23.0:400ms go1.23:go1.23.0:go1.23.0:400ms go1.25:go1.25.0:go1.25.0:400ms
go1.26:go1.26.8:go1.26.8:400ms go1.27:go1.27.3:go1.27.3:400ms go1.26-long:go1.26.8:go1.26.8:2200ms"
latest=go1.27.3
for entry in $traces; do
	IFS=: read -r dir v tool duration <<-EOF
		$entry
	EOF
	mkdir -p "$dir"
	if [ "${1:-}" = -traces ]; then
		(cd gen && GOTOOLCHAIN=$v go build -trimpath -o "../$dir/gen" .)
		"./$dir/gen" -out "$dir" -d "$duration"
		rm "$dir/gen"
	fi
	for kind in net sync syscall sched; do
		# from gen/, whose go.mod every release accepts
		(cd gen && GOTOOLCHAIN=$tool go tool trace -pprof=$kind "../$dir/trace.out") >"$dir/$kind.pb.gz"
		(cd gen && GOTOOLCHAIN=$latest go tool trace -pprof=$kind "../$dir/trace.out") >"$dir/$kind.latest.pb.gz"
	done
done
# the shared corpus's Go 1.27.3 /debug/pprof/trace response (no dump)
for kind in net sync syscall sched; do
	(cd gen && GOTOOLCHAIN=$latest go tool trace -pprof=$kind ../go1.27-http/trace.out) >"go1.27-http/$kind.pb.gz"
	cp "go1.27-http/$kind.pb.gz" "go1.27-http/$kind.latest.pb.gz"
done
