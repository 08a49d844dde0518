#!/usr/bin/env bash
# --push of a 3-platform build (RUN under qemu) to a real registry (issue 4): skopeo
# reads the index with the 3 platforms and the arm64 image's own `uname -m`; the digest
# is printed and in --metadata-file and --iidfile; two -t of one repository are one
# push; the same build pushed again uploads no blob; a build FROM it pushed to another
# repository mounts the base layers; a push survives 500/429/resets.
source "$(dirname "$0")/lib.sh"
need_root_amd64_with_qemu
start_registry_bed
REG=$BED_PROXY

ctx=$(busybox_context ctx amd64:amd64 arm64:arm64 armhf:arm <<'DOCKERFILE'
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch"]
DOCKERFILE
)
platforms=linux/amd64,linux/arm64,linux/arm/v7
# mab keeps no cache between builds yet: SOURCE_DATE_EPOCH makes the RUN layers (file
# mtimes) the same in both builds, so "the same build again" has the same blobs.
export SOURCE_DATE_EPOCH=1700000000
mab build --platform "$platforms" -t "$REG/app:1" -t "$REG/app:latest" --push \
  --metadata-file "$WORK/meta.json" --iidfile "$WORK/iid" "$ctx"
digest=$(jq -r '."containerimage.digest"' "$WORK/meta.json")
[[ $digest == sha256:* ]] || fail "no containerimage.digest in the metadata file"
assert_eq "$(cat "$WORK/iid")" "$digest" "--iidfile"
assert_eq "$(jq -r '."image.name"' "$WORK/meta.json")" "$REG/app:1,$REG/app:latest" "image.name"
assert_output_contains "pushing manifest for $REG/app:1@$digest"
assert_output_contains "pushing manifest for $REG/app:latest@$digest"
assert_eq "$(grep -c "pushing layers to $REG/app:" "$WORK/last.out")" 1 "pushes of one repository with two tags"

raw=$(bed_raw_manifest "$REG/app:1")
assert_eq "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$digest" "digest of the pushed index"
assert_eq "$(jq -r '.mediaType' <<<"$raw")" application/vnd.oci.image.index.v1+json "media type"
assert_eq "$(jq -r '[.manifests[].platform | [.os, .architecture, .variant // empty] | join("/")] | join(",")' <<<"$raw")" \
  "$platforms" "platforms in the pushed index"
assert_eq "$(bed_raw_manifest "$REG/app:latest" | sha256sum)" "$(printf '%s' "$raw" | sha256sum)" "the second tag"
# What went up is what ran: the arm64 image's RUN saw an aarch64 machine.
skopeo copy -q --src-tls-verify=false --override-arch arm64 "docker://$REG/app:1" "oci-archive:$WORK/pulled.tar" >/dev/null || fail "skopeo copy of the pushed arm64 image"
assert_eq "$(cat "$(unpack_platform "$WORK/pulled.tar" arm64)/arch")" aarch64 "uname -m in the pushed arm64 image"

# The same build again: every blob is there already, nothing is uploaded.
clear_bed_log
mab build --platform "$platforms" -t "$REG/app:1" --push "$ctx"
assert_eq "$(bed_upload_requests)" 0 "blob upload requests when pushing the same build again"
assert_output_contains "0 uploaded, 0 mounted"

# FROM the pushed image, pushed to another repository: the base layers (busybox and
# RUN, per platform) are mounted from app, not uploaded again.
derived=$(new_context derived <<DOCKERFILE
FROM $REG/app:1
COPY note /note
DOCKERFILE
)
echo derived >"$derived/note"
mab build --platform linux/amd64,linux/arm64 -t "$REG/derived:1" --push "$derived"
assert_output_contains "pushing layers to $REG/derived: 3 uploaded, 4 mounted, 0 already there"

# Transient faults on the way: a reset HEAD, a 500 on starting an upload, a 500 on the
# blob's PUT and a 429 (Retry-After) on the manifest. New content, so blobs do go up.
cat >"$BED_DIR/faults.json" <<'JSON'
{"rules": [
  {"method": "HEAD", "path": "/blobs/", "action": "reset", "times": 1},
  {"method": "POST", "path": "/blobs/uploads/", "action": "status", "status": 500, "times": 1},
  {"method": "PUT", "path": "/blobs/uploads/", "action": "status", "status": 500, "times": 1},
  {"method": "PUT", "path": "/manifests/", "action": "status", "status": 429, "headers": {"Retry-After": "1"}, "times": 1}
]}
JSON
clear_bed_log
echo changed >"$ctx/new-file"
echo 'COPY new-file /new-file' >>"$ctx/Dockerfile"
mab build --platform linux/amd64,linux/arm64 -t "$REG/faulty:1" --push --metadata-file "$WORK/faulty.json" "$ctx"
faults=$(jq -r 'select(.fault != null) | .fault' "$BED_DIR/proxy.log" | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
assert_eq "$faults" "reset=1 status=3 " "faults the push went through"
raw=$(bed_raw_manifest "$REG/faulty:1")
assert_eq "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$(jq -r '."containerimage.digest"' "$WORK/faulty.json")" \
  "digest of the index pushed through faults"
rm "$BED_DIR/faults.json"

# A registry that refuses the manifest: the build fails, nothing is reported as pushed.
echo '{"rules": [{"method": "PUT", "path": "/manifests/", "action": "status", "status": 403, "times": -1}]}' >"$BED_DIR/faults.json"
mab_fails build --platform linux/amd64 -t "$REG/broken:1" --push --metadata-file "$WORK/broken.json" \
  --iidfile "$WORK/broken.iid" "$ctx"
assert_output_contains "403"
grep -q "pushing manifest for" "$WORK/last.out" && fail "a failed push reported a pushed manifest"
[[ -e "$WORK/broken.json" || -e "$WORK/broken.iid" ]] && fail "a failed push wrote --metadata-file or --iidfile"
echo ok
