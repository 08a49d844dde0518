#!/usr/bin/env bash
# examples/apt-cache (issue 7, opt-in suite "examples"): `FROM debian:bookworm` for amd64
# and arm64 (made with debootstrap, arm64's second stage run by mab under qemu, pushed
# to Debian's docker-registry, reached through a docker.io mirror in mab.yaml); the
# apt-get RUN with locked cache mounts runs for both platforms in one build; a rebuild
# with --no-cache (so the RUN runs again) downloads no package: they are in the cache.
source "$(dirname "$0")/lib.sh"
need skopeo jq debootstrap umoci
[[ $(id -u) -eq 0 ]] || skip "debootstrap needs root"
[[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"

debian_base_behind_mirror linux/amd64,linux/arm64

platforms=linux/amd64,linux/arm64
mab build --progress=plain --platform "$platforms" -o type=oci,dest="$WORK/apt.tar" "$REPO_DIR/examples/apt-cache"
for arch in amd64 arm64; do
  root=$(unpack_platform "$WORK/apt.tar" "$arch")
  assert_eq "$(cat "$root/greeting")" "Hello, world!" "GNU hello installed by apt for $arch"
  # The package the RUN downloaded went to the cache mount, never into the image.
  [[ -z "$(find "$root/var/cache/apt" -name 'hello_*.deb' 2>/dev/null)" ]] || fail "the cache mount's .deb is in the $arch image"
done
mab build --no-cache --progress=plain --platform "$platforms" -o type=oci,dest="$WORK/apt2.tar" "$REPO_DIR/examples/apt-cache"
assert_eq "$(grep -cE '^#[0-9]+ [0-9.]+ Need to get 0 B/' "$WORK/last.out")" 2 \
  "the rebuild of both platforms downloads no package"
