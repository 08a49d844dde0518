#!/usr/bin/env bash
# FROM a local multi-arch image: --build-context NAME=oci-layout://DIR[:TAG] as buildx
# does. The base is itself built by mab (FROM scratch), then used for two platforms.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq

base=$(new_context base <<'DOCKERFILE'
FROM scratch
ARG TARGETARCH
COPY ${TARGETARCH}.txt /etc/base-arch
COPY tool /usr/bin/tool
ENV BASE_VERSION=1 PATH=/usr/bin
WORKDIR /srv
DOCKERFILE
)
echo amd64 >"$base/amd64.txt"; echo arm64 >"$base/arm64.txt"; echo tool >"$base/tool"
mab build --platform linux/amd64,linux/arm64 -o type=oci,dest="$WORK/layout",tar=false,name=base:1 "$base"

app=$(new_context app <<'DOCKERFILE'
FROM base
COPY app.txt ./app.txt
CMD ["tool"]
DOCKERFILE
)
echo app >"$app/app.txt"
mab build --platform linux/amd64,linux/arm64 --build-context base=oci-layout://"$WORK/layout":1 \
  -o type=oci,dest="$WORK/app.tar" --metadata-file "$WORK/meta.json" "$app"

for arch in amd64 arm64; do
  root=$(unpack_platform "$WORK/app.tar" "$arch")
  assert_eq "$(cat "$root/etc/base-arch")" "$arch" "base layer for $arch"
  assert_eq "$(cat "$root/srv/app.txt")" app "COPY relative to the base's WORKDIR"
  config=$(skopeo inspect --config --override-arch "$arch" "oci-archive:$WORK/app.tar")
  assert_eq "$(jq -c .config.Env <<<"$config")" '["PATH=/usr/bin","BASE_VERSION=1"]' "env inherited (PATH replaced in place)"
  assert_eq "$(jq -r .config.WorkingDir <<<"$config")" /srv "workdir inherited"
  assert_eq "$(jq -r '.rootfs.diff_ids | length' <<<"$config")" 4 "3 base layers + 1"
  assert_eq "$(jq -r '[.history[] | select(.empty_layer != true)] | length' <<<"$config")" 4 "history per layer"
  # The base's layers are reused as they are: the same blobs.
  base_layers=$(skopeo inspect --raw --override-arch "$arch" "oci:$WORK/layout:1" | jq -r --arg a "$arch" \
    '.manifests[] | select(.platform.architecture==$a) | .digest')
  want=$(jq -r '.layers[].digest' "$WORK/layout/blobs/sha256/${base_layers#sha256:}" | tr '\n' ' ')
  manifest=$(skopeo inspect --raw "oci-archive:$WORK/app.tar" | jq -r --arg a "$arch" '.manifests[] | select(.platform.architecture==$a) | .digest')
  mkdir -p "$WORK/x" && tar -xf "$WORK/app.tar" -C "$WORK/x"
  got=$(jq -r '.layers[0:3][].digest' "$WORK/x/blobs/sha256/${manifest#sha256:}" | tr '\n' ' ')
  assert_eq "$got" "$want" "base layer blobs for $arch"
done

# A platform the base does not have, a missing tag, and FROM without the context.
mab_fails build --platform linux/s390x --build-context base=oci-layout://"$WORK/layout":1 "$app"
assert_output_contains "Dockerfile:1"
assert_output_contains "no linux/s390x variant"
mab_fails build --build-context base=oci-layout://"$WORK/layout":2 "$app"
assert_output_contains "no image \"2\""
mab_fails build "$app"
assert_output_contains "--build-context base=oci-layout://"
mab_fails build --build-context base=oci-layout://"$WORK/nothing" "$app"
assert_output_contains "is not an OCI image layout"
echo ok
