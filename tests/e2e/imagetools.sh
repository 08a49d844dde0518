#!/usr/bin/env bash
# Build on several runners, merge later (issue 4 item 7): each platform pushed with
# push-by-digest + name-canonical, then `mab imagetools create` merges them into one
# index that skopeo reads; copies within a registry mount blobs, to another registry they
# go through the content store; `imagetools inspect` shows text, raw bytes and JSON.
# Also the output contradictions buildx refuses, before anything is built.
source "$(dirname "$0")/lib.sh"
start_registry_bed
REG=$BED_PROXY

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
ARG TARGETARCH
COPY hello /hello-${TARGETARCH}
DOCKERFILE
)
echo hello >"$ctx/hello"

# Refused while parsing flags: nothing is built, nothing pushed.
mab_fails build -o type=image,name="$REG/app:1" "$ctx"
assert_output_contains "mab keeps no local image store"
assert_output_contains "type=oci,dest=app.tar"
mab_fails build -t "$REG/app:1" --push -o type=oci,dest="$WORK/x.tar" "$ctx"
assert_output_contains 'push and "oci" output can'"'"'t be used together'
mab_fails build -o type=image,name="$REG/app:1",push-by-digest=true,push=true "$ctx"
assert_output_contains "can't push tagged ref $REG/app:1 by digest"
mab_fails build --push "$ctx"
assert_output_contains "tag is needed when pushing to registry"
[[ -s "$BED_DIR/proxy.log" ]] && fail "a refused output still talked to the registry"

# One "runner" per platform: pushed without a tag, the digest in the metadata file.
for arch in amd64 arm64; do
  mab build --platform "linux/$arch" --metadata-file "$WORK/$arch.json" \
    -o type=image,name="$REG/app",push-by-digest=true,name-canonical=true,push=true "$ctx"
  digest=$(jq -r '."containerimage.digest"' "$WORK/$arch.json")
  assert_output_contains "pushing manifest for $REG/app@$digest"
  assert_eq "$(jq -r '."image.name"' "$WORK/$arch.json")" "$REG/app,$REG/app@$digest" "image.name ($arch)"
  assert_eq "$(bed_raw_manifest "$REG/app@$digest" | jq -r .config.mediaType)" \
    application/vnd.oci.image.config.v1+json "the $arch manifest by digest"
done
A=$(jq -r '."containerimage.digest"' "$WORK/amd64.json")
B=$(jq -r '."containerimage.digest"' "$WORK/arm64.json")
need curl
curl -sf "http://$BED_REGISTRY/v2/_catalog" >"$WORK/catalog" || fail "reading the registry's catalog"
assert_eq "$(jq -r '.repositories | join(" ")' "$WORK/catalog")" app "repositories after pushes by digest"
curl -s "http://$BED_REGISTRY/v2/app/tags/list" >"$WORK/tags"
assert_eq "$(jq -r '.tags // [] | join(" ")' "$WORK/tags")" "" "tags after pushes by digest"

# --dry-run prints the index and pushes nothing.
mab imagetools create --dry-run -t "$REG/app:1" "$REG/app@$A" "$REG/app@$B"
dry=$(grep '^{' "$WORK/last.out")
assert_eq "$(jq -r '[.manifests[].digest] | join(" ")' <<<"$dry")" "$A $B" "manifests of the dry-run index"
skopeo inspect --raw --tls-verify=false "docker://$REG/app:1" >/dev/null 2>&1 && fail "--dry-run pushed"

clear_bed_log
mab imagetools create -t "$REG/app:1" -t "$REG/app:v1" "$REG/app@$A" "$REG/app@$B"
assert_eq "$(bed_upload_requests)" 0 "blob uploads when merging within a repository"
raw=$(bed_raw_manifest "$REG/app:1")
index=sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)
assert_eq "$raw" "$dry" "the pushed index is the dry run's"
assert_eq "$(jq -r '[.manifests[] | .platform.architecture + "=" + .digest] | join(" ")' <<<"$raw")" \
  "amd64=$A arm64=$B" "platforms of the merged index"
assert_output_contains "pushing $index to $REG/app:v1 done"
assert_eq "$(bed_raw_manifest "$REG/app:v1")" "$raw" "the second tag"
# skopeo reads the merged image through and through.
skopeo copy -q --src-tls-verify=false --override-arch arm64 "docker://$BED_REGISTRY/app:1" "oci:$WORK/arm64:x" >/dev/null ||
  fail "skopeo copy of the merged arm64 image"

# An index into another repository of the registry: blobs mounted, none uploaded.
clear_bed_log
mab imagetools create -t "$REG/copy:1" "$REG/app:1"
assert_eq "$(bed_upload_requests)" "$(jq -r 'select(.query | contains("mount=")) | .method' "$BED_DIR/proxy.log" | wc -l)" \
  "upload requests besides mounts"
assert_eq "$(bed_raw_manifest "$REG/copy:1")" "$raw" "a single index is pushed as it is"

# Onto another registry (a second bed, a fresh storage root): the blobs are fetched from
# the source and uploaded, and the index is the same.
other="$WORK/other-bed"
mkdir -p "$other" && mkfifo "$other/stdin"
python3 "$REPO_DIR/tests/registry/registry_bed.py" --dir "$other" <"$other/stdin" >"$other/ready" 2>"$other/log" &
other_pid=$!
exec {other_stdin}>"$other/stdin"   # the bed runs until this closes
trap 'exec {other_stdin}>&-; wait "$other_pid" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 300); do [[ -s "$other/ready" ]] && break; sleep 0.1; done
OTHER=$(jq -r .proxy "$other/ready")
MAB_ROOT="$WORK/other-root" mab imagetools create -t "$OTHER/copied:1" "$REG/app:1"
assert_output_contains "blobs for $OTHER/copied: 4 uploaded, 0 mounted, 0 already there"
assert_eq "$(bed_raw_manifest "$OTHER/copied:1")" "$raw" "the index copied to another registry"
skopeo copy -q --src-tls-verify=false --override-arch arm64 "docker://$(jq -r .registry "$other/ready")/copied:1" \
  "oci:$WORK/copied:x" >/dev/null || fail "skopeo copy of the image copied to another registry"

# inspect: buildx's text view, the exact bytes, JSON.
mab imagetools inspect "$REG/app:1"
cat >"$WORK/expected.txt" <<TEXT
Name:      $REG/app:1
MediaType: application/vnd.oci.image.index.v1+json
Digest:    $index

Manifests:
  Name:        $REG/app:1@$A
  MediaType:   application/vnd.oci.image.manifest.v1+json
  Platform:    linux/amd64

  Name:        $REG/app:1@$B
  MediaType:   application/vnd.oci.image.manifest.v1+json
  Platform:    linux/arm64
TEXT
diff <(grep -v "plain HTTP" "$WORK/last.out") "$WORK/expected.txt" >&2 || fail "imagetools inspect text view"
"$MAB" imagetools inspect --raw "$REG/app:1" >"$WORK/raw" 2>/dev/null || fail "imagetools inspect --raw"
assert_eq "sha256:$(sha256sum <"$WORK/raw" | cut -d' ' -f1)" "$index" "--raw bytes"
"$MAB" imagetools inspect --format json "$REG/app:1" >"$WORK/json" 2>/dev/null || fail "imagetools inspect --format json"
assert_eq "$(jq -r '.name + " " + .manifest.digest + " " + (.manifest.size | tostring)' "$WORK/json")" \
  "$REG/app:1 $index $(wc -c <"$WORK/raw")" "JSON view"
assert_eq "$(jq -r '[.manifest.manifests[].platform.architecture] | join(",")' "$WORK/json")" amd64,arm64 "JSON platforms"
mab imagetools inspect "$REG/app@$A"
assert_output_contains "MediaType: application/vnd.oci.image.manifest.v1+json"
mab_fails imagetools inspect "$REG/absent:1"
assert_output_contains "$REG/absent:1"
echo ok
