#!/usr/bin/env bash
# Regenerates the before/after dumps of this directory with main.go.txt
# (real runtime output of the Go on PATH).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/main.go.txt" "$work/main.go"
printf 'module growth\n\ngo 1.26\n' >"$work/go.mod"
(cd "$work" && CGO_ENABLED=0 go build -o growth .)
"$work/growth" -out "$here"
go version >"$here/go-version.txt"
