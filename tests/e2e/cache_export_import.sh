#!/usr/bin/env bash
# Cache export and import (issue 6): an empty root (an ephemeral CI runner) that imports
# the last run's cache runs nothing, from a local OCI layout and from a real registry
# (Debian's docker-registry); mode=min carries only the final stage's steps, mode=max
# every step; a cache that is not there yet is a warning, not a failure; only records
# this build can use are imported; bad flags name the flag.
source "$(dirname "$0")/lib.sh"
need jq skopeo
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
FROM base AS tool
RUN echo tool > /tool
FROM base
COPY --from=tool /tool /tool
COPY app.txt /app.txt
RUN cat /tool /app.txt > /seen
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh cat echo
echo one >"$ctx/app.txt"

counts() { jq -r '"\(."mab.vertices.executed") \(."mab.vertices.cached")"' "$1"; }
digest() { jq -r '."containerimage.digest"' "$1"; }
records_in_layout() { # DIR: the number of records its cache config holds
  local manifest config
  manifest=$(jq -r '.manifests[0].digest' "$1/index.json")
  config=$(jq -r '.config.digest' "$1/blobs/sha256/${manifest#sha256:}")
  jq '.records | length' "$1/blobs/sha256/${config#sha256:}"
}
wipe_root() { rm -rf "$MAB_ROOT"; }
build() { # NAME [flags…]
  local name=$1
  shift
  mab build --platform linux/amd64 --metadata-file "$WORK/$name.json" "$@" -o type=oci,dest="$WORK/$name.tar" "$ctx"
}

# Local: export max, wipe, import: nothing runs, the same image.
build first --cache-to type=local,dest="$WORK/cache-max",mode=max
build min --cache-to type=local,dest="$WORK/cache-min"
max_records=$(records_in_layout "$WORK/cache-max")
min_records=$(records_in_layout "$WORK/cache-min")
((max_records > min_records && min_records > 0)) ||
  fail "mode=max should carry more records than mode=min: $max_records vs $min_records"
assert_eq "$(jq -r '.config.mediaType' "$WORK/cache-max/blobs/sha256/$(jq -r '.manifests[0].digest' "$WORK/cache-max/index.json" | cut -d: -f2)")" \
  application/vnd.mab.cache.config.v1+json "cache config media type"
wipe_root
build imported --cache-from type=local,src="$WORK/cache-max"
assert_eq "$(counts "$WORK/imported.json")" "0 1" "an empty root importing the cache runs nothing"
assert_eq "$(digest "$WORK/imported.json")" "$(digest "$WORK/first.json")" "the same image from the imported cache"
assert_output_contains "records match this build"

# mode=min carries the final stage's steps only: the tool stage built as a target of its
# own then runs its RUN; mode=max carries it.
wipe_root
build tool-min --target tool --cache-from type=local,src="$WORK/cache-min"
assert_eq "$(counts "$WORK/tool-min.json")" "1 1" "min cache: the tool stage's RUN runs on the imported base"
wipe_root
build tool-max --target tool --cache-from type=local,src="$WORK/cache-max"
assert_eq "$(counts "$WORK/tool-max.json")" "0 1" "max cache: the tool stage's RUN is imported"

# A changed file: only the steps from its COPY on run, the rest comes from the import.
echo two >"$ctx/app.txt"
wipe_root
build changed-max --cache-from type=local,src="$WORK/cache-max"
assert_eq "$(counts "$WORK/changed-max.json")" "2 1" "max cache: only COPY app.txt and the RUN after it run"
echo one >"$ctx/app.txt"

# A cache that does not exist yet: a warning, the build goes on.
build missing --cache-from type=local,src="$WORK/no-such-cache"
assert_output_contains "WARNING: cache import from $WORK/no-such-cache failed"

# Registry: the same round trip through Debian's docker-registry.
start_registry_bed
REG=$BED_PROXY
wipe_root
build pushed --cache-to type=registry,ref="$REG/app:buildcache",mode=max
raw=$(skopeo inspect --raw --tls-verify=false "docker://$REG/app:buildcache")
assert_eq "$(jq -r '.config.mediaType' <<<"$raw")" application/vnd.mab.cache.config.v1+json "registry cache manifest"
wipe_root
build from-registry --cache-from type=registry,ref="$REG/app:buildcache"
assert_eq "$(counts "$WORK/from-registry.json")" "0 1" "an empty root importing the registry cache runs nothing"
assert_eq "$(digest "$WORK/from-registry.json")" "$(digest "$WORK/pushed.json")" "same image from the registry cache"
# The shorthand (a bare reference) and a missing tag.
wipe_root
build shorthand --cache-from "$REG/app:buildcache"
assert_eq "$(counts "$WORK/shorthand.json")" "0 1" "--cache-from REF"
build no-tag --cache-from "$REG/app:nothing-here"
assert_output_contains "WARNING: cache import from $REG/app:nothing-here failed"

# Inline: the cache rides in the pushed image's manifests (an index of two platforms
# here: linux/386 runs the amd64 busybox natively), read back with type=registry.
wipe_root
mab build --platform linux/amd64,linux/386 --cache-to type=inline -t "$REG/app:inline" --push \
  --metadata-file "$WORK/inline.json" "$ctx"
raw=$(skopeo inspect --raw --tls-verify=false "docker://$REG/app:inline")
child=$(jq -r '.manifests[0].digest' <<<"$raw")
child_raw=$(skopeo inspect --raw --tls-verify=false "docker://$REG/app@$child")
jq -e '.annotations["dev.mab.cache.v1"] | fromjson | .records | length > 0' <<<"$child_raw" >/dev/null ||
  fail "no inline cache records in the pushed manifest"
wipe_root
mab build --platform linux/amd64,linux/386 --cache-from type=registry,ref="$REG/app:inline" \
  --metadata-file "$WORK/inline-again.json" -o type=oci,dest="$WORK/inline-again.tar" "$ctx"
assert_eq "$(counts "$WORK/inline-again.json")" "0 2" "an empty root importing the inline cache runs nothing"
mab_fails build --cache-from type=inline "$ctx"
assert_output_contains "use type=registry,ref=IMAGE"

# Only records this build can use are imported.
other=$(new_context other <<'DOCKERFILE'
FROM scratch
COPY other.txt /other.txt
DOCKERFILE
)
echo other >"$other/other.txt"
wipe_root
mab build --platform linux/amd64 --cache-from type=local,src="$WORK/cache-max" -o type=oci,dest="$WORK/other.tar" "$other"
assert_output_contains "0 of $max_records records match this build"

# Bad flags name the flag.
mab_fails build --cache-to type=gha "$ctx"
assert_output_contains "--cache-to type=gha: cache type gha is not supported by mab"
mab_fails build --cache-to type=local "$ctx"
assert_output_contains "type=local needs dest=DIR"
mab_fails build --cache-from type=local,dest=x "$ctx"
assert_output_contains "unknown key \"dest\""
