#!/usr/bin/env bash
# COPY --link / ADD --link (issue 5): the copy is made on scratch and its layer stacked
# onto the stage as it is (BuildKit's MergeOp), so the layer does not depend on the base:
# a changed base leaves the linked layer's digest alone where a plain COPY's changes.
# Later steps see the merged tree; both snapshotters and the rootless path agree.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

# A context whose base has /app with MODE (so a plain COPY into /app/ records the base's
# /app entry in its layer), then a COPY with FLAGS and a RUN reading the merged tree.
context() {
  local name=$1 mode=$2 flags=$3 ctx
  ctx=$(new_context "$name" <<DOCKERFILE
FROM scratch AS base
COPY rootfs/ /
RUN mkdir -p /app && chmod $mode /app && echo base >/app/base.txt
FROM base
COPY $flags app.txt /app/
RUN cat /app/app.txt /app/base.txt >/seen
DOCKERFILE
)
  busybox_rootfs "$ctx/rootfs" sh mkdir chmod cat
  echo app >"$ctx/app.txt"
  echo "$ctx"
}
export SOURCE_DATE_EPOCH=1700000000

# The layer of the COPY step: the 3rd of the image's 4 (rootfs, RUN, COPY, RUN).
copy_layer() {
  local tar=$1 index manifest
  mkdir -p "$WORK/oci" && rm -rf "$WORK/oci/x" && mkdir "$WORK/oci/x" && tar -xf "$tar" -C "$WORK/oci/x"
  manifest=$(jq -r '.manifests[0].digest' "$WORK/oci/x/index.json")
  jq -r '.layers[2].digest' "$WORK/oci/x/blobs/sha256/${manifest#sha256:}"
}

for flags in "" --link; do
  for mode in 700 750; do
    ctx=$(context "ctx-$mode${flags:+-link}" "$mode" "$flags")
    mab build --platform linux/amd64 --no-cache -o type=oci,dest="$WORK/$mode${flags:+-link}.tar" "$ctx"
  done
done
linked_a=$(copy_layer "$WORK/700-link.tar")
linked_b=$(copy_layer "$WORK/750-link.tar")
plain_a=$(copy_layer "$WORK/700.tar")
plain_b=$(copy_layer "$WORK/750.tar")
assert_eq "$linked_a" "$linked_b" "a --link layer's digest does not depend on the base"
[[ "$plain_a" != "$plain_b" ]] || fail "a plain COPY's layer should record the base's /app (test premise)"
[[ "$linked_a" != "$plain_a" ]] || fail "--link and plain COPY gave the same layer"
assert_output_contains "LINK COPY --link app.txt /app/"

root=$(unpack_platform "$WORK/700-link.tar" amd64)
assert_eq "$(cat "$root/seen" | tr '\n' ' ')" "app base " "a later RUN sees the merged tree"
# As BuildKit: the linked layer's /app (0755, root) replaces the base's entry.
assert_eq "$(stat_line "$root/app")" "755 0:0 directory" "/app from the linked layer"
# The image history has one COPY entry with that layer.
config=$(skopeo inspect --config "oci-archive:$WORK/700-link.tar")
assert_eq "$(jq -r '[.history[] | select(.empty_layer != true)] | length' <<<"$config")" 4 "history entries with layers"
assert_eq "$(jq -r '.rootfs.diff_ids | length' <<<"$config")" 4 "diff_ids"

# The native snapshotter and a non-root user give the same image.
digest() { jq -r '."containerimage.digest"' "$1"; }
ctx=$(context ctx-snap 700 --link)
mab build --platform linux/amd64 --metadata-file "$WORK/overlay.json" -o type=oci,dest="$WORK/o.tar" "$ctx"
mab build --platform linux/amd64 --no-cache --snapshotter native --metadata-file "$WORK/native.json" \
  -o type=oci,dest="$WORK/n.tar" "$ctx"
assert_eq "$(digest "$WORK/native.json")" "$(digest "$WORK/overlay.json")" "overlay vs native with --link"
if [[ $(id -u) -eq 0 ]] && command -v runuser >/dev/null; then
  ensure_e2e_user
  share_work_with_e2e_user
  as_e2e_user "$WORK/mab" build --platform linux/amd64 --metadata-file "$WORK/out/rootless.json" \
    -o type=oci,dest="$WORK/out/r.tar" "$ctx" >"$WORK/rootless.log" 2>&1 || { cat "$WORK/rootless.log"; fail "rootless build"; }
  assert_eq "$(digest "$WORK/out/rootless.json")" "$(digest "$WORK/overlay.json")" "rootless --link build"
fi

# A named owner cannot be resolved on scratch: a clear error at the line.
ctx=$(new_context bad <<'DOCKERFILE'
FROM scratch
COPY --link --chown=app app.txt /app/
DOCKERFILE
)
echo app >"$ctx/app.txt"
mab_fails build --platform linux/amd64 -o type=oci,dest="$WORK/bad.tar" "$ctx"
assert_output_contains "Dockerfile:2"
assert_output_contains "--chown with --link takes numeric ids only"
[[ ! -e "$WORK/bad.tar" ]] || fail "a failed build left its output"
