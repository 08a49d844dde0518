#!/usr/bin/env bash
# mab bake (issue 7 item 1): a compose file's three services share a base stage and are
# built as one solve, so the base stage's steps run once for all three; each service's
# image is right; a docker-bake.json with groups, inherits and variables (the
# environment overriding a default), --print, --set, the refusal of HCL and a
# suggestion for a mistyped target; one Dockerfile in two context directories baked
# together reads each its own files.
source "$(dirname "$0")/lib.sh"
need jq skopeo umoci
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

proj=$(new_context proj <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
RUN echo shared > /shared && cat /proc/sys/kernel/random/uuid > /base-id

FROM base AS web
RUN echo web > /role

FROM base AS api
RUN echo api > /role

FROM base AS worker
ARG ROLE=worker
RUN echo "$ROLE" > /role
DOCKERFILE
)
busybox_rootfs "$proj/rootfs" sh cat echo
cat >"$proj/compose.yaml" <<'YAML'
services:
  web:
    image: example/web:1
    build:
      context: .
      target: web
      platforms: [linux/amd64]
  api:
    image: example/api:1
    build:
      target: api
      platforms: [linux/amd64]
  worker:
    build:
      target: worker
      platforms: [linux/amd64]
      args:
        ROLE: worker
  db:
    image: postgres
YAML
cd "$proj"

# What one of them costs alone, on a root of its own: the base stage plus its RUN.
MAB_ROOT="$WORK/root-single" mab build --platform linux/amd64 --target web --metadata-file "$WORK/single.json" .
single=$(jq -r '."mab.vertices.executed"' "$WORK/single.json")

# The three services in one bake: the base stage's steps run once, then one RUN each.
mab bake --progress plain --metadata-file "$WORK/bake.json" \
  --set web.output=type=oci,dest="$WORK/web.tar" --set api.output=type=oci,dest="$WORK/api.tar" \
  --set worker.output=type=oci,dest="$WORK/worker.tar"
assert_eq "$(jq -r '."mab.vertices.executed"' "$WORK/bake.json")" "$((single + 2))" \
  "the shared base stage runs once for three targets"
# The progress shows the shared RUN run (DONE) once; the other targets reach it CACHED.
shared_step=$(grep -m1 -oE '^#[0-9]+ \[base 2/2\] RUN echo shared' "$WORK/last.out" | cut -d' ' -f1 || true)
[[ -n "$shared_step" ]] || fail "no progress step for the shared RUN"
assert_eq "$(grep -c "^$shared_step DONE" "$WORK/last.out" || true)" "1" "the shared RUN runs once"
assert_output_contains "[web internal] load build definition from Dockerfile"

base_ids=()
for svc in web api worker; do
  digest=$(jq -r --arg t "$svc" '.[$t]["containerimage.digest"]' "$WORK/bake.json")
  [[ "$digest" == sha256:* ]] || fail "metadata of $svc has no digest: $digest"
  index_digest=$(raw_manifest "$WORK/$svc.tar" | sha256sum | cut -d' ' -f1)
  rootfs=$(unpack_platform "$WORK/$svc.tar" amd64)
  assert_eq "$(cat "$rootfs/role")" "$svc" "$svc's own stage"
  assert_eq "$(cat "$rootfs/shared")" "shared" "$svc has the base stage"
  base_ids+=("$(cat "$rootfs/base-id")")
  [[ -n "$index_digest" ]] || fail "no manifest in $svc.tar"
done
assert_eq "${base_ids[1]}" "${base_ids[0]}" "api and web share the one base RUN"
assert_eq "${base_ids[2]}" "${base_ids[0]}" "worker and web share the one base RUN"
# The service's image: is its tag.
names=$(tar -xOf "$WORK/web.tar" index.json | jq -r '[.manifests[].annotations // {} | .[]] | join(" ")')
[[ "$names" == *example/web:1* ]] || fail "web.tar does not name example/web:1: $names"

# Targets whose outputs need different layers (docker's media types, OCI's) cannot
# share one solve; a target without an output does not care.
mab_fails bake --set web.output=type=docker,dest="$WORK/web-docker.tar" --set api.output=type=oci,dest="$WORK/x.tar"
assert_output_contains 'targets "api" and "web" need different layer settings'
mab bake --set web.output=type=docker,dest="$WORK/web-docker.tar"
assert_output_contains 'No output specified for target "api"'
[[ -s "$WORK/web-docker.tar" ]] || fail "no docker archive for web"

# --print: the compose file as buildx prints it; db has no build and is no target.
mab bake --print
jq -e '.group.default.targets == ["api", "web", "worker"]' "$WORK/last.out" >/dev/null ||
  fail "--print default group: $(cat "$WORK/last.out")"
assert_eq "$(jq -r '.target.web.tags[0]' "$WORK/last.out")" "example/web:1" "image: is the first tag"
assert_eq "$(jq -r '.target.worker.args.ROLE' "$WORK/last.out")" "worker" "compose args"

# A mistyped target is named with the nearest one.
mab_fails bake wbe
assert_output_contains 'failed to find target "wbe" (did you mean web?)'

# docker-bake.json: a group, inherits, a variable the environment overrides, --set.
json=$WORK/json
mkdir -p "$json"
cp -r "$proj/Dockerfile" "$proj/rootfs" "$json/"
cat >"$json/docker-bake.json" <<'JSON'
{
  "variable": {"ROLE": {"default": "from-default"}, "OUT": {"default": "out"}},
  "group": {"default": {"targets": ["workers"]}, "workers": {"targets": ["w1", "w2"]}},
  "target": {
    "common": {"target": "worker", "platforms": ["linux/amd64"], "args": {"ROLE": "${ROLE}"}},
    "w1": {"inherits": ["common"], "output": ["type=local,dest=${OUT}/w1"]},
    "w2": {"inherits": ["common"], "args": {"ROLE": "second-${ROLE}"}, "output": ["type=local,dest=${OUT}/w2"]},
    "note-here": {"dockerfile": "note.Dockerfile", "output": ["type=local,dest=${OUT}/note-here"]},
    "note-other": {"context": "other", "dockerfile": "note.Dockerfile", "output": ["type=local,dest=${OUT}/note-other"]}
  }
}
JSON
cd "$json"
mab bake --print
assert_eq "$(jq -r '.target.w1.args.ROLE' "$WORK/last.out")" "from-default" "variable default"
ROLE=from-env mab bake --print --set 'w*.args.EXTRA=1' --set w2.platform=linux/arm64
assert_eq "$(jq -r '.target.w2.args.ROLE' "$WORK/last.out")" "second-from-env" "the environment overrides"
assert_eq "$(jq -c '.target.w1.args' "$WORK/last.out")" '{"EXTRA":"1","ROLE":"from-env"}' "--set by pattern"
assert_eq "$(jq -c '.target.w2.platforms' "$WORK/last.out")" '["linux/arm64"]' "--set replaces platforms"
assert_eq "$(jq -c '.group.workers.targets' "$WORK/last.out")" '["w1","w2"]' "groups print"

ROLE=built mab bake --metadata-file "$WORK/json.json"
assert_eq "$(cat out/w1/role)" "built" "w1 built with the variable"
assert_eq "$(cat out/w2/role)" "second-built" "w2 built with its own args"
# Another context directory: the base stage runs again, once for both targets.
assert_eq "$(jq -r '."mab.vertices.executed"' "$WORK/json.json")" "$((single + 1))" "w1 and w2 share the base"

# The same Dockerfile in two context directories, in one solve: each reads its own.
mkdir -p other
printf 'FROM scratch\nCOPY note.txt /note.txt\n' | tee note.Dockerfile >other/note.Dockerfile
echo here >note.txt
echo other >other/note.txt
mab bake note-here note-other
assert_eq "$(cat out/note-here/note.txt)" "here" "the first context's file"
assert_eq "$(cat out/note-other/note.txt)" "other" "the second context's file"

# HCL: refused with what is read, from -f and from the default lookup.
echo 'target "a" {}' >"$WORK/x.hcl"
mab_fails bake -f "$WORK/x.hcl"
assert_output_contains "HCL bake files are not supported"
hcl=$WORK/hcl
mkdir -p "$hcl" && cp "$WORK/x.hcl" "$hcl/docker-bake.hcl"
cd "$hcl"
mab_fails bake
assert_output_contains "docker-bake.hcl: HCL bake files are not supported"
rm "$hcl/docker-bake.hcl"
mab_fails bake
assert_output_contains "couldn't find a bake definition"
echo "bake: ok"
