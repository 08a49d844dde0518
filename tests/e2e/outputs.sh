#!/usr/bin/env bash
# type=local, type=tar, dest=- and type=oci,tar=false, for one and several platforms.
source "$(dirname "$0")/lib.sh"
need skopeo jq tar

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
ARG TARGETARCH
COPY ${TARGETARCH}.txt /etc/arch
COPY --chmod=0700 secret.sh /bin/tool
DOCKERFILE
)
echo amd >"$ctx/amd64.txt"; echo arm >"$ctx/arm64.txt"; echo 'echo hi' >"$ctx/secret.sh"

# local, one platform: the rootfs itself.
mab build --platform linux/amd64 -o type=local,dest="$WORK/local1" "$ctx"
assert_eq "$(cat "$WORK/local1/etc/arch")" amd "local rootfs"
assert_eq "$(stat -c %a "$WORK/local1/bin/tool")" 700 "chmod in local output"

# local, two platforms: a directory per platform like buildx.
mab build --platform linux/amd64,linux/arm64 -o "$WORK/local2" "$ctx"
assert_eq "$(cat "$WORK/local2/linux_amd64/etc/arch")" amd "linux_amd64"
assert_eq "$(cat "$WORK/local2/linux_arm64/etc/arch")" arm "linux_arm64"
ls -A "$WORK/local2" | grep -q mab && fail "staging directory left in the output"

# local over an existing directory keeps unrelated files.
echo keep >"$WORK/local1/unrelated"
mab build --platform linux/arm64 -o type=local,dest="$WORK/local1" "$ctx"
assert_eq "$(cat "$WORK/local1/etc/arch")" arm "local overwritten"
assert_eq "$(cat "$WORK/local1/unrelated")" keep "unrelated file kept"

# tar to a file and to stdout.
mab build --platform linux/arm64 -o type=tar,dest="$WORK/fs.tar" "$ctx"
assert_eq "$(tar -xOf "$WORK/fs.tar" etc/arch)" arm "tar output"
"$MAB" build --progress=quiet --platform linux/amd64,linux/arm64 -o - "$ctx" >"$WORK/stdout.tar" 2>"$WORK/last.out" || fail "dest=-"
assert_eq "$(tar -xOf "$WORK/stdout.tar" linux_arm64/etc/arch)" arm "tar on stdout, per platform"

# oci with tar=false: an image layout directory skopeo reads.
mab build --platform linux/amd64,linux/arm64 -o type=oci,dest="$WORK/layout",tar=false "$ctx"
[[ -f "$WORK/layout/oci-layout" ]] || fail "no oci-layout file"
assert_eq "$(skopeo inspect --raw "oci:$WORK/layout" | jq -r '.manifests | length')" 2 "manifests in layout dir"

# oci to stdout.
"$MAB" build --progress=quiet --platform linux/arm64 -o type=oci,dest=- "$ctx" >"$WORK/oci-stdout.tar" 2>"$WORK/last.out" || fail "oci dest=-"
assert_eq "$(skopeo inspect --raw "oci-archive:$WORK/oci-stdout.tar" | jq -r .mediaType)" \
  "application/vnd.oci.image.manifest.v1+json" "single-platform oci to stdout"

# zstd layers.
mab build --platform linux/arm64 -o type=oci,dest="$WORK/zstd.tar",compression=zstd,compression-level=5 "$ctx"
raw=$(skopeo inspect --raw "oci-archive:$WORK/zstd.tar")
assert_eq "$(jq -r '[.layers[].mediaType] | unique | join(",")' <<<"$raw")" "application/vnd.oci.image.layer.v1.tar+zstd" "zstd media type"
mkdir -p "$WORK/z" && tar -xf "$WORK/zstd.tar" -C "$WORK/z"
layer=$(jq -r '.layers[0].digest' <<<"$raw")
zstd -dc "$WORK/z/blobs/sha256/${layer#sha256:}" | tar -t | grep -x "etc/arch" >/dev/null || fail "zstd layer does not hold etc/arch"
skopeo copy -q "oci-archive:$WORK/zstd.tar" "dir:$WORK/zdir" >/dev/null || fail "skopeo reads zstd image"
echo ok
