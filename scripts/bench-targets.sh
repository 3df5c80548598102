#!/usr/bin/env bash
# Measures the built plugin with hundreds of targets: scripts/faketargets
# serves 500 fake Go pprof targets on 127.0.0.1 (index page, /metrics,
# goroutine dumps of 200 to 2000 goroutines; 10 never answer, 10 refuse
# connections), and the plugin, driven through the Grafana plugin protocol
# (pkg/scale_protocol_test.go), records them every 15 s with a full dump a
# minute. After a minute of warm-up it prints, over SCALE_MINUTES: the
# plugin process's CPU and resident memory (/proc), the requests per
# second the targets received, the longest gap between two samples of a
# live target, then the time of metrics current and goroutines count
# queries over every target (and over the live ones only), and the
# resident memory right after them and 45 s later.
#
# Usage: scripts/bench-targets.sh   (SCALE_TARGETS=500 SCALE_SLOW=10
# SCALE_DEAD=10 SCALE_MINUTES=3 change the shape; SCALE_HEAP_PROFILES=<dir>
# saves the plugin's heap profiles there)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
go tool mage build:linux >/dev/null
cd pkg
go test -tags protocol -run '^$' -bench 'ProtocolTargets$' -benchtime 1x -count 1 -timeout 60m .
