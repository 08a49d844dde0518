#!/usr/bin/env bash
# type=docker: the layout `docker load` reads (manifest.json + config + layers), read
# back by skopeo's docker-archive transport; several platforms are refused like buildx.
source "$(dirname "$0")/lib.sh"
need skopeo jq tar

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY a.txt /a.txt
CMD ["/a.txt"]
DOCKERFILE
)
echo hello >"$ctx/a.txt"

mab build --platform linux/arm64 -t app:1 -t reg.example.com/team/app:2 \
  -o type=docker,dest="$WORK/app.tar" --iidfile "$WORK/iid" "$ctx"

tar -xOf "$WORK/app.tar" manifest.json >"$WORK/manifest.json"
assert_eq "$(jq -r 'length' "$WORK/manifest.json")" 1 "images in manifest.json"
assert_eq "$(jq -c '.[0].RepoTags' "$WORK/manifest.json")" '["app:1","reg.example.com/team/app:2"]' "RepoTags"
config=$(jq -r '.[0].Config' "$WORK/manifest.json")
layers=$(jq -r '.[0].Layers | length' "$WORK/manifest.json")
assert_eq "$layers" 1 "layers"
tar -tf "$WORK/app.tar" >"$WORK/members"   # not piped into grep -q: SIGPIPE + pipefail
for member in "$config" $(jq -r '.[0].Layers[]' "$WORK/manifest.json"); do
  grep -qx "$member" "$WORK/members" || fail "manifest.json names $member but the tar lacks it"
done
# The iidfile holds the image ID: the config digest, as docker build writes it.
assert_eq "$(cat "$WORK/iid")" "sha256:${config##*/}" "iidfile"
assert_eq "$(tar -xOf "$WORK/app.tar" "$config" | sha256sum | cut -d' ' -f1)" "${config##*/}" "config blob digest"

inspect=$(skopeo inspect "docker-archive:$WORK/app.tar") || fail "skopeo inspect docker-archive"
assert_eq "$(jq -r .Architecture <<<"$inspect")" arm64 "architecture"
raw=$(skopeo inspect --raw "docker-archive:$WORK/app.tar")
assert_eq "$(jq -r .mediaType <<<"$raw")" "application/vnd.docker.distribution.manifest.v2+json" "docker media types"
assert_eq "$(jq -r '.layers[0].mediaType' <<<"$raw")" "application/vnd.docker.image.rootfs.diff.tar.gzip" "layer media type"

# Several platforms: buildx's error, a hint, and no file left behind.
mab_fails build --platform linux/amd64,linux/arm64 -o type=docker,dest="$WORK/multi.tar" "$ctx"
assert_output_contains "docker exporter does not currently support exporting manifest lists"
assert_output_contains "type=oci"
[[ ! -e "$WORK/multi.tar" ]] || fail "a failed export left $WORK/multi.tar behind"
ls -A "$WORK" | grep '^\.tmp-' >/dev/null && fail "temporary files left in $WORK"
echo ok
