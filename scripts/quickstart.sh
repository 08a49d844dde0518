#!/usr/bin/env bash
# Quick start, step 1: set up, build mab, and build the bundled examples for three
# platforms: examples/hello into an OCI tarball (its index digest and platforms are
# shown), then examples/hello-run, whose RUN records `uname -m` on every platform
# (foreign ones under qemu in mab's own binfmt_misc), on a busybox base mab builds
# from Debian's packages.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

platforms=linux/amd64,linux/arm64,linux/arm/v7
mab=build/cli/mab
meta=$(mktemp)
trap 'rm -f "$meta"' EXIT

"$mab" build --platform "$platforms" -t hello:latest -o type=oci,dest=hello.tar --metadata-file "$meta" examples/hello
digest=$(jq -r '."containerimage.digest"' "$meta")
echo
echo "wrote hello.tar"
echo "index digest: $digest"
echo "platforms:"
tar -xOf hello.tar "blobs/sha256/${digest#sha256:}" |
  jq -r '.manifests[] | "  \(.platform.os)/\(.platform.architecture)\(if .platform.variant then "/" + .platform.variant else "" end)  \(.digest)"'

echo
echo "building the busybox base and hello-run (RUN on every platform)…"
mkdir -p out
scripts/make-busybox-base.sh out/busybox "$platforms"
"$mab" build --progress=quiet --platform "$platforms" --build-context busybox=oci-layout://out/busybox:latest \
  -o type=oci,dest=hello-run.tar --metadata-file "$meta" examples/hello-run
"$mab" build --progress=quiet --platform "$platforms" --build-context busybox=oci-layout://out/busybox:latest \
  -o type=local,dest=out/hello-run examples/hello-run
echo "wrote hello-run.tar (index $(jq -r '."containerimage.digest"' "$meta"))"
for report in out/hello-run/*/hello/report.txt; do echo "  $(cat "$report")"; done
