#!/bin/sh
# Regenerates the golden top tables listed in golden/manifest.txt with the
# real `go tool pprof -top` (run by `go generate ./pkg/profiles`).
set -eu
cd "$(dirname "$0")"
grep -v '^#' golden/manifest.txt | while read -r golden pprofInput _ flags; do
	[ -n "$golden" ] || continue
	# shellcheck disable=SC2086 # flags are words
	go tool pprof -top $flags "$pprofInput" >"golden/$golden" 2>/dev/null
done
