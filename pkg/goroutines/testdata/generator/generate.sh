#!/usr/bin/env bash
# Regenerates testdata/go1.N/ with real runtime output of the programs in this
# directory, and the counts they expect (expected.<mode>.json).
# Usage: generate.sh [VERSION...]   (default: all of them)
# Go 1.19 comes from the Debian package golang-1.19-go; the others are fetched
# through the module proxy with GOTOOLCHAIN. Takes about 75 s per version
# (the dump waits 65 s so that wait minutes are printed); versions run in
# parallel.
set -u
here=$(cd "$(dirname "$0")" && pwd)
versions=("$@")
[ ${#versions[@]} -eq 0 ] && versions=(1.19 1.21.0 1.22.0 1.23.0 1.24.0 1.25.0 1.26.0 1.27.0)

gen() {
	local v=$1 minor out work gocmd
	minor=$(echo "$v" | cut -d. -f1-2)
	out="$here/../$(echo "go$minor")"
	work=$(mktemp -d)
	rm -rf "$out" && mkdir -p "$out"
	if [ "$minor" = 1.19 ]; then
		gocmd=(env GOFLAGS= GOTOOLCHAIN=local /usr/lib/go-1.19/bin/go)
	else
		gocmd=(env GOFLAGS= GOTOOLCHAIN="go$v" go)
	fi
	mkdir -p "$work/gen" "$work/race" "$work/bubble"
	cp "$here/main.go.txt" "$work/gen/main.go"
	cp "$here/race.go.txt" "$work/race/main.go"
	for d in gen race bubble; do printf 'module %s\n\ngo %s\n' "$d" "$minor" >"$work/$d/go.mod"; done
	(cd "$work/gen" && CGO_ENABLED=0 "${gocmd[@]}" build -o gen .) || { echo "go$v: build failed"; return 1; }
	(cd "$work/race" && CGO_ENABLED=1 "${gocmd[@]}" build -race -o race .) || echo "go$v: race build failed"
	# cgo stays off: a cgo binary never reports "all goroutines are asleep".
	local g="timeout 150 $work/gen/gen" labels=""
	[ "$minor" = 1.26 ] && labels="tracebacklabels=1"
	"${gocmd[@]}" version >"$out/go-version.txt"
	GODEBUG=$labels $g -mode dump -out "$out"
	GOTRACEBACK=single $g -mode panic -out "$out" 2>"$out/crash.panic-single.txt"
	GOTRACEBACK=all $g -mode panic -out "$out" 2>"$out/crash.panic-all.txt"
	GOTRACEBACK=system $g -mode panic -out "$out" 2>"$out/crash.panic-system.txt"
	GOTRACEBACK=all GODEBUG=tracebackancestors=3 $g -mode panic -out "$out" 2>"$out/crash.ancestors.txt"
	(ulimit -c 0; GOTRACEBACK=crash $g -mode crash -out "$out" 2>"$out/crash.crash.txt")
	$g -mode deadlock -out "$out" 2>"$out/crash.deadlock.txt"
	$g -mode mapwrites -out "$out" 2>"$out/crash.mapwrites.txt"
	local fifo="$work/ready"
	mkfifo "$fifo"
	"$work/gen/gen" -mode sigquit -out "$out" >"$fifo" 2>"$out/crash.sigquit.txt" &
	local pid=$!
	read -r -t 60 _ <"$fifo"
	kill -QUIT "$pid"
	wait "$pid"
	[ -x "$work/race/race" ] && timeout 60 "$work/race/race" >"$out/race.txt" 2>&1
	case "$minor" in
	1.24)
		cp "$here/bubble124_test.go.txt" "$work/bubble/b_test.go"
		(cd "$work/bubble" && GOEXPERIMENT=synctest "${gocmd[@]}" test -c -o b.test . && timeout 60 ./b.test -test.v >"$out/synctest.txt" 2>&1)
		;;
	1.2[5-9])
		cp "$here/bubble_test.go.txt" "$work/bubble/b_test.go"
		(cd "$work/bubble" && "${gocmd[@]}" test -c -o b.test . && timeout 60 ./b.test -test.v >"$out/synctest.txt" 2>&1)
		;;
	esac
	rm -rf "$work"
	# Keep the repository small: the tests read .gz files transparently.
	find "$out" -name '*.txt' -size +16k -exec gzip -9 {} \;
	echo "go$v: done"
}

for v in "${versions[@]}"; do gen "$v" & done
wait
