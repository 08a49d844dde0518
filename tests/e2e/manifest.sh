#!/usr/bin/env bash
# `mab manifest` (issue 7): docker's manifest workflow against Debian's docker-registry.
# A list made from two single-platform images, one annotated (variant, os.features),
# pushed to a new repository: skopeo reads the index with the annotated fields and can
# copy every platform (the children were mounted into the list's repository). --amend,
# inspect (local, -v, remote), push --purge, rm, and the errors docker gives.
source "$(dirname "$0")/lib.sh"
need skopeo jq
start_registry_bed
REG=$BED_PROXY
bed_push_busybox "$REG/library/busybox:1" linux/amd64,linux/arm64
raw=$(bed_raw_manifest "$REG/library/busybox:1")
amd=$(jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest' <<<"$raw")
arm=$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' <<<"$raw")
[[ $amd == sha256:* && $arm == sha256:* ]] || fail "the test base has no amd64/arm64 manifests: $raw"

LIST=$REG/app:multi
mab manifest create "$LIST" "$REG/library/busybox@$amd"
assert_output_contains "Created manifest list"
mab_fails manifest create "$LIST" "$REG/library/busybox@$arm"
assert_output_contains "refusing to amend an existing manifest list with no --amend flag"
mab manifest create --amend "$LIST" "$REG/library/busybox@$arm"
mab_fails manifest create "$REG/app:other" "$REG/library/busybox:1"
assert_output_contains "is a manifest list"

mab manifest annotate "$LIST" "$REG/library/busybox@$arm" --variant v8 --os-features f1,f2
mab_fails manifest annotate "$LIST" "$REG/library/busybox@$arm" --arch nosucharch
assert_output_contains "unsupported os/arch combination"
mab_fails manifest annotate "$LIST" "$REG/library/busybox@sha256:$(printf '%064d' 0)"
assert_output_contains "does not exist in"

"$MAB" manifest inspect "$LIST" >"$WORK/local.json" 2>"$WORK/last.out" || fail "manifest inspect (local)"
assert_eq "$(jq -r '.manifests | length' "$WORK/local.json")" 2 "local list entries"
assert_eq "$(jq -r '.manifests[] | select(.digest == "'"$arm"'") | .platform.variant' "$WORK/local.json")" v8 "annotated variant (local)"
"$MAB" manifest inspect -v "$LIST" >"$WORK/verbose.json" 2>"$WORK/last.out" || fail "manifest inspect -v"
assert_eq "$(jq -r '.[1].Ref' "$WORK/verbose.json")" "$REG/library/busybox@$arm" "verbose: the source image"

"$MAB" manifest push --purge "$LIST" >"$WORK/pushed" 2>"$WORK/last.out" || { cat "$WORK/last.out"; fail "manifest push"; }
digest=$(tail -n1 "$WORK/pushed")
pushed=$(bed_raw_manifest "$LIST")
assert_eq "sha256:$(printf '%s' "$pushed" | sha256sum | cut -d' ' -f1)" "$digest" "the printed digest is the pushed index's"
assert_eq "$(jq -r '.manifests | length' <<<"$pushed")" 2 "pushed entries"
assert_eq "$(jq -r '.manifests[] | select(.digest == "'"$arm"'") | .platform.variant' <<<"$pushed")" v8 "annotated variant"
assert_eq "$(jq -c '.manifests[] | select(.digest == "'"$arm"'") | .platform["os.features"]' <<<"$pushed")" '["f1","f2"]' \
  "annotated os.features"
skopeo copy --quiet --all --src-tls-verify=false "docker://$LIST" "oci:$WORK/copy:latest" >/dev/null ||
  fail "skopeo cannot copy every platform of the pushed list"

# --purge removed the local list: inspect now reads the registry; rm has nothing to remove.
"$MAB" manifest inspect "$LIST" >"$WORK/remote.json" 2>"$WORK/last.out" || fail "manifest inspect (remote)"
assert_eq "$(jq -r '.manifests | length' "$WORK/remote.json")" 2 "remote inspect"
mab_fails manifest rm "$LIST"
assert_output_contains "No such manifest: $LIST"
mab manifest create "$REG/app:gone" "$REG/library/busybox@$amd"
mab manifest rm "$REG/app:gone"
mab_fails manifest push "$REG/app:gone"
assert_output_contains "No such manifest"
mab_fails manifest creat x y
assert_output_contains "did you mean create"
