#!/usr/bin/env bash
# Writes reasons.txt: every goroutine status (gStatusStrings) and wait reason
# (waitReasonStrings) of each Go version's runtime, one "go1.N<TAB>text" line
# each. Toolchains come through the module proxy (GOTOOLCHAIN=go1.N).
set -eu
cd "$(dirname "$0")"
for v in 1.13 1.14 1.15 1.16 1.17 1.18 1.19.13 1.20 1.21.0 1.22.0 1.23.0 1.24.0 1.25.0 1.26.0 1.27.0; do
	GOFLAGS= GOTOOLCHAIN=go$v go version >/dev/null 2>&1 || true
	root=$(go env GOMODCACHE)/golang.org/toolchain@v0.0.1-go$v.$(go env GOOS)-$(go env GOARCH)
	minor=$(echo "$v" | cut -d. -f1-2)
	for list in 'var gStatusStrings' 'waitReasonStrings = \['; do
		awk "/$list/,/^}/" "$root/src/runtime/"{traceback,runtime2}.go | grep -o '"[^"]*"' | tr -d '"' | grep -v '^$' |
			sed "s/^/go$minor\t/"
	done
done >reasons.txt
