#!/usr/bin/env bash
# examples/cross-compile (issue 7, opt-in suite "examples"): `FROM debian:bookworm`
# reached through a docker.io mirror entry in mab.yaml (a Debian image made here with
# debootstrap and pushed to Debian's docker-registry), apt-get installing Debian's cross
# compilers in a `FROM --platform=$BUILDPLATFORM` stage that runs ONCE for four target
# platforms, and the four static binaries run under qemu-user and name their machine.
source "$(dirname "$0")/lib.sh"
need skopeo jq debootstrap
[[ $(id -u) -eq 0 ]] || skip "debootstrap needs root"
[[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"

debian_base_behind_mirror linux/amd64

platforms=linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le
mab build --progress=plain --platform "$platforms" -o type=local,dest="$WORK/out" "$REPO_DIR/examples/cross-compile"
assert_eq "$(grep -cE '^#[0-9]+ \[.*toolchain 1/1\] RUN apt-get update' "$WORK/last.out")" 1 \
  "the toolchain stage runs once for four platforms"
run() { # QEMU_BINARY_OR_EMPTY PLATFORM_DIR
  if [[ -n $1 ]]; then "$1" "$WORK/out/$2/hello"; else "$WORK/out/$2/hello"; fi
}
assert_eq "$(run "" linux_amd64)" "hello from x86_64, built for linux/amd64" "amd64 binary"
assert_eq "$(run qemu-aarch64-static linux_arm64)" "hello from aarch64, built for linux/arm64" "arm64 binary"
assert_eq "$(run qemu-arm-static linux_arm_v7)" "hello from armv7l, built for linux/arm/v7" "arm/v7 binary"
assert_eq "$(run qemu-ppc64le-static linux_ppc64le)" "hello from ppc64le, built for linux/ppc64le" "ppc64le binary"

# Built again: the toolchain and every compile come from the cache.
mab build --platform "$platforms" --metadata-file "$WORK/again.json" -o type=local,dest="$WORK/out2" \
  "$REPO_DIR/examples/cross-compile"
assert_eq "$(jq -r '."mab.vertices.executed"' "$WORK/again.json")" 0 "the second build runs nothing"
