#!/usr/bin/env bash
# mab bake --push and --load apply to every target: two compose services pushed to a
# real registry (each tag's manifest is the digest the bake metadata names) and loaded
# into podman, from one solve.
source "$(dirname "$0")/lib.sh"
need jq podman skopeo
[[ $(id -u) -eq 0 ]] || skip "podman's storage here is root's"
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"
start_registry_bed
REG=$BED_PROXY

proj=$(new_context proj <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
RUN echo shared > /shared

FROM base AS one
RUN echo one > /role

FROM base AS two
RUN echo two > /role
DOCKERFILE
)
busybox_rootfs "$proj/rootfs" sh echo
cat >"$proj/compose.yaml" <<YAML
services:
  one:
    image: \${REG}/bake-one:1
    build: {target: one, platforms: [linux/amd64]}
  two:
    image: \${REG}/bake-two:1
    build: {target: two, platforms: [linux/amd64]}
YAML
cd "$proj"

REG=$REG mab bake --push --metadata-file "$WORK/push.json"
for t in one two; do
  digest=$(jq -r --arg t "$t" '.[$t]["containerimage.digest"]' "$WORK/push.json")
  [[ $digest == sha256:* ]] || fail "no digest for $t in the bake metadata"
  assert_eq "sha256:$(bed_raw_manifest "$REG/bake-$t:1" | sha256sum | cut -d' ' -f1)" "$digest" "pushed $t"
  assert_eq "$(jq -r --arg t "$t" '.[$t]["image.name"]' "$WORK/push.json")" "$REG/bake-$t:1" "image.name of $t"
done

name=localhost/mab-e2e-bake
cleanup_podman() { podman rmi -f "$name/bake-one:1" "$name/bake-two:1" >/dev/null 2>&1 || true; }
cleanup_podman
trap 'cleanup_podman; cleanup' EXIT
REG=$name mab bake --load
for t in one two; do
  assert_output_contains "Loaded image: $name/bake-$t:1"
  assert_eq "$(podman image inspect "$name/bake-$t:1" | jq -r '.[0].Architecture')" amd64 "podman has $t"
done
[[ -z "$(ls "$MAB_ROOT/tmp")" ]] || fail "archives left in $MAB_ROOT/tmp: $(ls "$MAB_ROOT/tmp")"
echo "bake_outputs: ok"
