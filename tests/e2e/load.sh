#!/usr/bin/env bash
# --load (issue 7): the image goes into podman — one platform with `podman load`, several
# as a podman manifest list named by -t — and the errors when nothing can take it: no
# CLI at all, several platforms with only docker (buildx's words), a docker CLI whose
# daemon does not answer. No archive is left under the storage root.
source "$(dirname "$0")/lib.sh"
need podman jq
[[ $(id -u) -eq 0 ]] || skip "podman's storage here is root's"
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively (and 386 with the 32-bit personality)"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN uname -m > /arch
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh uname
name=localhost/mab-e2e-load
cleanup_podman() { podman manifest rm "$name:multi" >/dev/null 2>&1 || true; podman rmi -f "$name:1" "$name:multi" "$name:also" >/dev/null 2>&1 || true; }
cleanup_podman
trap 'cleanup_podman; cleanup' EXIT

mab build --platform linux/amd64 --load -t "$name:1" "$ctx"
assert_output_contains "Loaded image: $name:1"
assert_eq "$(podman image inspect "$name:1" | jq -r '.[0].Architecture')" amd64 "podman has the image"

mab build --platform linux/amd64,linux/386 --load -t "$name:multi" -t "$name:also" "$ctx"
assert_output_contains "Loaded manifest list: $name:multi"
# One archive per platform, each its own transfer with its own "done".
for platform in linux/amd64 linux/386; do
  grep -E "^#[0-9]+ sending tarball $platform [0-9.]+(B|kB|MB) / [0-9.]+(B|kB|MB)( [0-9]+\.[0-9]s)? done\$" "$WORK/last.out" \
    >/dev/null || fail "no 'sending tarball $platform … done' line"
done
assert_eq "$(podman manifest inspect "$name:also" | jq -r '[.manifests[].platform.architecture] | join(",")')" \
  "amd64,386" "podman's manifest list (second -t)"
[[ -z "$(ls "$MAB_ROOT/tmp")" ]] || fail "archives left in $MAB_ROOT/tmp: $(ls "$MAB_ROOT/tmp")"

mab_fails build --platform linux/amd64,linux/386 --load "$ctx"
assert_output_contains "needs a name"
mab_fails build --load -o type=oci,dest="$WORK/x.tar" "$ctx"
assert_output_contains "--load and another output can't be used together"

# Only the programs a case allows on PATH (symlinks in a directory of their own).
mkdir -p "$WORK/nobin" "$WORK/dockerbin"
PATH="$WORK/nobin" mab_fails build --platform linux/amd64 --load -t "$name:none" "$ctx"
assert_output_contains "--load needs a docker or podman CLI on PATH"
assert_output_contains "-o type=docker,dest="
if docker_cli=$(command -v docker); then
  ln -sf "$docker_cli" "$WORK/dockerbin/docker"
  PATH="$WORK/dockerbin" mab_fails build --platform linux/amd64,linux/386 --load -t "$name:x" "$ctx"
  assert_output_contains "docker exporter does not currently support exporting manifest lists"
  if ! docker info >/dev/null 2>&1; then
    PATH="$WORK/dockerbin" mab_fails build --platform linux/amd64 --load -t "$name:x" "$ctx"
    assert_output_contains "the docker CLI cannot reach its daemon"
  fi
fi
