#!/usr/bin/env bash
# Same inputs, same digests: two builds (with separate storage roots) give the same
# index digest and byte-identical tarballs; SOURCE_DATE_EPOCH clamps timestamps.
source "$(dirname "$0")/lib.sh"
need skopeo jq tar

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY . /app/
WORKDIR /app/work
DOCKERFILE
)
echo one >"$ctx/one.txt"
mkdir -p "$ctx/sub" && echo two >"$ctx/sub/two.txt"
touch -d '2030-01-01 00:00:00 UTC' "$ctx/one.txt"   # newer than the epoch below

build() {  # build ROOT OUT [env...]
  local root=$1 out=$2; shift 2
  env "$@" MAB_ROOT="$root" "$MAB" build --platform linux/amd64,linux/arm64 \
    -o type=oci,dest="$out" --metadata-file "$out.json" "$ctx" >"$WORK/last.out" 2>&1 || fail "build $out"
  jq -r '."containerimage.digest"' "$out.json"
}

first=$(build "$WORK/root1" "$WORK/a.tar")
second=$(build "$WORK/root2" "$WORK/b.tar")
assert_eq "$second" "$first" "index digest of two builds"
cmp -s "$WORK/a.tar" "$WORK/b.tar" || fail "the two OCI tarballs differ"

# SOURCE_DATE_EPOCH: created times and layer mtimes no newer than it.
epoch=1700000000
clamped=$(build "$WORK/root3" "$WORK/c.tar" SOURCE_DATE_EPOCH=$epoch)
[[ "$clamped" != "$first" ]] || fail "SOURCE_DATE_EPOCH did not change the image"
again=$(build "$WORK/root4" "$WORK/d.tar" SOURCE_DATE_EPOCH=$epoch)
assert_eq "$again" "$clamped" "digest with SOURCE_DATE_EPOCH"
config=$(skopeo inspect --config --override-arch arm64 "oci-archive:$WORK/c.tar")
assert_eq "$(jq -r .created <<<"$config")" "2023-11-14T22:13:20Z" "created"
assert_eq "$(jq -r '[.history[].created] | unique | join(",")' <<<"$config")" "2023-11-14T22:13:20Z" "history created"

# Every entry of every layer has mtime <= epoch; one.txt (2030) is clamped to it.
mkdir -p "$WORK/c" && tar -xf "$WORK/c.tar" -C "$WORK/c"
manifest=$(skopeo inspect --raw --override-arch arm64 "oci-archive:$WORK/c.tar" | jq -r '.manifests[] | select(.platform.architecture=="arm64") | .digest')
for layer in $(jq -r '.layers[].digest' "$WORK/c/blobs/sha256/${manifest#sha256:}"); do
  while read -r line; do
    date=$(awk '{print $4" "$5}' <<<"$line")
    ts=$(date -u -d "$date" +%s)
    (( ts <= epoch )) || fail "layer entry newer than SOURCE_DATE_EPOCH: $line"
  done < <(TZ=UTC tar --full-time -tvzf "$WORK/c/blobs/sha256/${layer#sha256:}")
  TZ=UTC tar --full-time -tvzf "$WORK/c/blobs/sha256/${layer#sha256:}" | grep "app/one.txt" >/dev/null &&
    { TZ=UTC tar --full-time -tvzf "$WORK/c/blobs/sha256/${layer#sha256:}" | grep "app/one.txt" | grep "2023-11-14 22:13:20" >/dev/null ||
      fail "one.txt was not clamped to SOURCE_DATE_EPOCH"; }
done
echo ok
