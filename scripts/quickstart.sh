#!/usr/bin/env bash
# Quick start, step 1: set up, build mab, and build examples/hello for three
# platforms into an OCI tarball; then show the index digest and its platforms.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

out=hello.tar
meta=$(mktemp)
trap 'rm -f "$meta"' EXIT
build/cli/mab build --platform linux/amd64,linux/arm64,linux/arm/v7 \
  -t hello:latest -o type=oci,dest="$out" --metadata-file "$meta" examples/hello

digest=$(jq -r '."containerimage.digest"' "$meta")
echo
echo "wrote $out"
echo "index digest: $digest"
echo "platforms:"
tar -xOf "$out" "blobs/sha256/${digest#sha256:}" |
  jq -r '.manifests[] | "  \(.platform.os)/\(.platform.architecture)\(if .platform.variant then "/" + .platform.variant else "" end)  \(.digest)"'
