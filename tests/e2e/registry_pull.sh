#!/usr/bin/env bash
# FROM from a registry (issue 4): a multi-arch busybox pushed to the real registry bed is
# the base of a 3-platform build whose RUN reports each machine; only the chosen
# platform's layers are fetched; --build-context NAME=docker-image://REF; docker.io
# through a mirror from mab.yaml; transient faults are retried; a blob with the wrong
# bytes fails the build with an error naming its digest.
source "$(dirname "$0")/lib.sh"
need skopeo jq
need_root_amd64_with_qemu

start_registry_bed
platforms=linux/amd64,linux/arm64,linux/arm/v7
bed_push_busybox "$BED_REGISTRY/library/busybox:1" "$platforms"

ctx=$(new_context ctx <<DOCKERFILE
FROM $BED_PROXY/library/busybox:1
RUN uname -m > /arch
DOCKERFILE
)
mab build --platform "$platforms" -o type=local,dest="$WORK/out" "$ctx"
assert_output_contains "[internal] load metadata for $BED_PROXY/library/busybox:1"
assert_eq "$(cat "$WORK/out/linux_amd64/arch")" x86_64 "amd64"
assert_eq "$(cat "$WORK/out/linux_arm64/arch")" aarch64 "arm64"
assert_eq "$(cat "$WORK/out/linux_arm_v7/arch")" armv7l "arm/v7"
# The tag was resolved once for all platforms.
assert_eq "$(bed_requests GET /manifests/1 | wc -l)" 1 "tag lookups for three platforms"

# One platform: only its layers are fetched (a fresh store, so nothing is there yet).
: >"$BED_DIR/proxy.log"
arm64_layers=$(skopeo inspect --raw --tls-verify=false --override-arch arm64 "docker://$BED_REGISTRY/library/busybox:1" |
  jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' |
  xargs -I{} skopeo inspect --raw --tls-verify=false "docker://$BED_REGISTRY/library/busybox@{}" | jq -r '.layers[].digest' | sort)
MAB_ROOT="$WORK/root-arm64" mab build --platform linux/arm64 "$ctx"
fetched=$(bed_requests GET /blobs/sha256: | sed 's|.*/blobs/||' | sort -u)
config=$(bed_requests GET /blobs/ | wc -l)
for layer in $arm64_layers; do
  grep -qx "$layer" <<<"$fetched" || fail "arm64 layer $layer was not fetched"
done
# The arm64 config and layers, nothing of the other platforms.
assert_eq "$(wc -l <<<"$fetched")" "$(($(wc -l <<<"$arm64_layers") + 1))" "blobs fetched for one platform ($config GETs)"

# --build-context NAME=docker-image://REF stands for FROM NAME.
ctx2=$(new_context ctx2 <<'DOCKERFILE'
FROM base
RUN uname -m > /arch
DOCKERFILE
)
mab build --platform linux/arm64 --build-context base=docker-image://"$BED_PROXY/library/busybox:1" \
  -o type=local,dest="$WORK/out2" "$ctx2"
assert_eq "$(cat "$WORK/out2/arch")" aarch64 "docker-image:// context"

# docker.io through a mirror named in mab.yaml (the bed speaks plain HTTP on loopback).
printf 'registries:\n  docker.io:\n    mirrors: ["%s"]\n' "$BED_PROXY" >"$MAB_CONFIG"
ctx3=$(new_context ctx3 <<'DOCKERFILE'
FROM busybox:1
RUN uname -m > /arch
DOCKERFILE
)
: >"$BED_DIR/proxy.log"
MAB_ROOT="$WORK/root-mirror" mab build --platform linux/amd64 -o type=local,dest="$WORK/out3" "$ctx3"
assert_eq "$(cat "$WORK/out3/arch")" x86_64 "FROM busybox through the docker.io mirror"
[[ -n "$(bed_requests GET /v2/library/busybox/manifests/1)" ]] || fail "the mirror was not asked"
rm "$MAB_CONFIG"

# Transient faults are retried: 500 twice on the manifest, a reset on a layer.
cat >"$BED_DIR/faults.json" <<'JSON'
{"rules": [{"method": "GET", "path": "/manifests/", "action": "status", "status": 500, "times": 2},
           {"method": "GET", "path": "/blobs/", "action": "reset", "times": 1}]}
JSON
sleep 0.2
MAB_ROOT="$WORK/root-faults" mab build --platform linux/arm64 "$ctx"

# Wrong bytes for a blob: refused, naming the digest; nothing of it enters the store.
cat >"$BED_DIR/faults.json" <<'JSON'
{"rules": [{"method": "GET", "path": "/blobs/", "action": "wrong_body", "times": -1}]}
JSON
sleep 0.2
MAB_ROOT="$WORK/root-bad" mab_fails build --platform linux/arm64 "$ctx"
assert_output_contains "sha256:"
grep -i "digest" "$WORK/last.out" >/dev/null || fail "the error does not speak of the digest"
echo ok
