#!/usr/bin/env bash
# `mab build --call targets|outline` (and --print): report on a Dockerfile the way
# buildx prints BuildKit's frontend.targets and frontend.outline, without building.
source "$(dirname "$0")/lib.sh"
need jq base64

# The Dockerfile of the golden outline case, whose expected outline the frontend's unit
# tests pin; here the CLI prints it.
ctx="$WORK/ctx"
mkdir -p "$ctx"
cp "$REPO_DIR/frontend-dockerfile/testdata/outline/default-target-uses-everything/Dockerfile" "$ctx/"

# Targets: every stage, its description from the "# NAME text" comment above FROM.
"$MAB" build --call targets "$ctx" >"$WORK/targets.txt" 2>"$WORK/err.txt" || fail "mab build --call targets"
expected='TARGET      DESCRIPTION
base        prepares the toolchain
build       compiles the binary
(default)   '
assert_eq "$(cat "$WORK/targets.txt")" "$expected" "--call targets text"
[[ ! -s "$WORK/err.txt" ]] || fail "--call targets wrote to stderr: $(cat "$WORK/err.txt")"

# Outline of the default target: the ARGs it and the stages it needs use, by line,
# with --build-arg values; the global ARG a default reads (ALPINE) comes along.
"$MAB" build --call outline --build-arg VERSION=2.0 "$ctx" >"$WORK/outline.txt" || fail "mab build --call outline"
expected='BUILD ARG     VALUE         DESCRIPTION
GO_VERSION    1.22          the Go toolchain that compiles
ALPINE        3.19          
BASE          alpine:3.19   
CGO_ENABLED   0             1 links against libc
VERSION       2.0           '
assert_eq "$(cat "$WORK/outline.txt")" "$expected" "--call outline text"

# A named target: its name and description first; stages it does not need are left out.
"$MAB" build --call outline --target BASE "$ctx" >"$WORK/outline-base.txt" || fail "--call outline --target BASE"
expected='TARGET:      base
DESCRIPTION: prepares the toolchain

BUILD ARG     VALUE   DESCRIPTION
GO_VERSION    1.22    the Go toolchain that compiles
CGO_ENABLED   0       1 links against libc'
assert_eq "$(cat "$WORK/outline-base.txt")" "$expected" "--call outline --target base"

# JSON as BuildKit marshals it, the Dockerfile in base64 as the source.
"$MAB" build --call outline,format=json --target build "$ctx" >"$WORK/outline.json" || fail "--call outline,format=json"
assert_eq "$(jq -r '.name' "$WORK/outline.json")" "build" "outline JSON name"
assert_eq "$(jq -r '[.args[].name] | join(",")' "$WORK/outline.json")" "GO_VERSION,CGO_ENABLED,VERSION" "outline JSON args"
assert_eq "$(jq -r '.args[] | select(.name == "VERSION") | .location.ranges[0].start.line' "$WORK/outline.json")" "15" \
  "the line VERSION is defined on"
assert_eq "$(jq -r '.args[] | select(.name == "VERSION") | .value' "$WORK/outline.json")" "dev" "VERSION's default"
jq -r '.sources[0]' "$WORK/outline.json" | base64 -d >"$WORK/source"
cmp -s "$WORK/source" "$ctx/Dockerfile" || fail "the outline's source is not the Dockerfile"

# --print is the older name; BuildKit's targets JSON keeps its untagged field names.
"$MAB" build --print targets,format=json "$ctx" >"$WORK/targets.json" || fail "--print targets,format=json"
assert_eq "$(jq -r '.Targets[] | select(.default) | .base' "$WORK/targets.json")" '${BASE}' "default target's base"
assert_eq "$(jq -r '.Targets[1].Location.ranges[0].start.line' "$WORK/targets.json")" "14" "line of FROM base AS build"

# Nothing was built: no output file, no storage root.
"$MAB" build --call outline -o type=oci,dest="$WORK/never.tar" "$ctx" >/dev/null || fail "--call outline with -o"
[[ ! -e "$WORK/never.tar" ]] || fail "--call outline wrote the output"
[[ ! -e "$MAB_ROOT" ]] || fail "--call made a storage root"

# Errors: an unknown --call, a target that does not exist, a Dockerfile that does not parse.
mab_fails build --call outlin "$ctx"
assert_eq "$MAB_STATUS" 2 "usage exit status"
assert_output_contains 'invalid --call value "outlin": expected build, outline or targets (did you mean outline?)'
mab_fails build --call outline,format=yaml "$ctx"
assert_output_contains 'invalid --call format "yaml"'
mab_fails build --call outline --target biuld "$ctx"
assert_eq "$MAB_STATUS" 1 "exit status of a Dockerfile error"
assert_output_contains 'target stage "biuld" could not be found (did you mean build?)'
bad=$(new_context bad <<'DOCKERFILE'
FROM scratch
RUNN echo
DOCKERFILE
)
mab_fails build --call targets "$bad"
assert_output_contains ">>> RUNN echo"
assert_output_contains "Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)"

# --call build is an ordinary build.
plain=$(new_context plain <<'DOCKERFILE'
FROM scratch
COPY f /f
DOCKERFILE
)
echo hello >"$plain/f"
mab build --call build -o type=local,dest="$WORK/out" "$plain"
assert_eq "$(cat "$WORK/out/f")" "hello" "--call build output"
echo "PASS"
