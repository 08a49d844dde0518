#!/usr/bin/env bash
# Issue 4's acceptance, end to end against the real registry bed: a build FROM the bed's
# multi-arch busybox for three platforms, pushed with --push, is an index skopeo reads
# with the three platforms; buildah (another tool) pulls the arm64 image and runs it
# (under qemu, registered host-wide for buildah with `mab binfmt --install` and removed
# afterwards).
# Changes the host's binfmt_misc for a while: registered with is_parallel: false.
source "$(dirname "$0")/lib.sh"
need skopeo jq buildah runc
need_root_amd64_with_qemu

start_registry_bed
platforms=linux/amd64,linux/arm64,linux/arm/v7
bed_push_busybox "$BED_REGISTRY/library/busybox:1" "$platforms"

ctx=$(new_context ctx <<DOCKERFILE
FROM $BED_REGISTRY/library/busybox:1
RUN uname -m > /arch
DOCKERFILE
)
mab build --platform "$platforms" -t "$BED_PROXY/library/app:1" --push --metadata-file "$WORK/meta.json" "$ctx"
digest=$(jq -r '."containerimage.digest"' "$WORK/meta.json")
[[ $digest == sha256:* ]] || fail "no pushed digest in --metadata-file"
raw=$(skopeo inspect --raw --tls-verify=false "docker://$BED_REGISTRY/library/app:1")
assert_eq "$(jq -r '[.manifests[].platform | .os + "/" + .architecture + (if .variant then "/" + .variant else "" end)] | sort | join(",")' <<<"$raw")" \
  "linux/amd64,linux/arm/v7,linux/arm64" "platforms in the pushed index"
assert_eq "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$digest" "the pushed index's digest"

# (A second push of the same build uploading no blob: registry_push.sh.)

# buildah pulls the arm64 image and runs it under qemu (host handlers just for this).
mounted_before=no
host_binfmt_mounted && mounted_before=yes
listing_before=$(host_binfmt_listing)
installed=no
restore_host() {
  if [[ $installed == yes ]]; then "$MAB" binfmt --uninstall arm64 >/dev/null 2>&1 || true; installed=no; fi
  if [[ $mounted_before == no ]] && host_binfmt_mounted; then umount "$HOST_BINFMT" 2>/dev/null || true; fi
}
trap 'restore_host; cleanup' EXIT
if [[ ! -e "$HOST_BINFMT/qemu-aarch64" ]]; then installed=yes; mab binfmt --install arm64; fi
b() { buildah --root "$WORK/buildah/root" --runroot "$WORK/buildah/run" --storage-driver vfs "$@"; }
b pull -q --tls-verify=false --platform linux/arm64 "docker://$BED_REGISTRY/library/app:1" >"$WORK/buildah.out" 2>&1 ||
  { cat "$WORK/buildah.out" >&2; fail "buildah pull"; }
container=$(b from -q --pull=never --platform linux/arm64 "$BED_REGISTRY/library/app:1")
machine=$(b run --runtime runc "$container" -- uname -m 2>"$WORK/buildah.err") || { cat "$WORK/buildah.err" >&2; fail "buildah run"; }
assert_eq "$machine" aarch64 "uname -m of the pushed arm64 image, run by buildah"
assert_eq "$(b run --runtime runc "$container" -- cat /arch)" aarch64 "/arch written by mab's RUN"
b rm "$container" >/dev/null
restore_host
trap cleanup EXIT
assert_eq "$(host_binfmt_listing)" "$listing_before" "the host's binfmt_misc after the test"
echo ok
