#!/usr/bin/env bash
# Packages the already built plugin in dist/ (npm run build, then
# go tool mage -v build:linux) the way Grafana installs plugins: a zip holding
# a single directory named after the plugin id, with the backend binaries
# still executable. Writes artifacts/<plugin id>-<version>.zip, the version
# being package.json's, and prints the archive's path on stdout (and nothing
# else there, so callers can capture it).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f dist/plugin.json ]; then
  echo "package-plugin: dist/plugin.json is missing; run npm run build and go tool mage -v build:linux first" >&2
  exit 1
fi

json_field() { # file, then the keys leading to a string field
  python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2:]:
    value = value[key]
print(value)' "$@"
}
plugin_id="$(json_field dist/plugin.json id)"
version="$(json_field package.json version)"

mkdir -p artifacts
archive="$PWD/artifacts/${plugin_id}-${version}.zip"
# zip adds to an existing archive, which would keep files since removed from dist/.
rm -f "$archive"

staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
# cp -p keeps the modes, so the binaries stay executable inside the archive.
cp -Rp dist "$staging/$plugin_id"

if command -v zip >/dev/null; then
  (cd "$staging" && zip -q -r -X "$archive" "$plugin_id")
else
  # Python's zipfile records each file's Unix mode as zip does.
  (cd "$staging" && python3 - "$archive" "$plugin_id" <<'PY'
import os, sys, zipfile

archive, root = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
    for directory, subdirectories, files in os.walk(root):
        subdirectories.sort()
        out.write(directory)
        for name in sorted(files):
            out.write(os.path.join(directory, name))
PY
  )
fi

echo "$archive"
