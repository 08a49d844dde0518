#!/usr/bin/env bash
# Bad input gets a buildx-style error naming Dockerfile:N, shows the line, and writes
# no output.
source "$(dirname "$0")/lib.sh"

ctx=$(new_context unsupported <<'DOCKERFILE'
FROM scratch
COPY a /a
RUN --mount=type=secret,id=token,required true
DOCKERFILE
)
touch "$ctx/a"
mab_fails build -o type=oci,dest="$WORK/out.tar" "$ctx"
assert_eq "$MAB_STATUS" 1 "exit status"
assert_output_contains "Dockerfile:3"
assert_output_contains ">>> RUN --mount=type=secret,id=token,required true"
assert_output_contains 'secret "token" is required but was not provided'
[[ ! -e "$WORK/out.tar" ]] || fail "output written despite the error"

ctx=$(new_context typo <<'DOCKERFILE'
FROM scratch
COPPY a /a
DOCKERFILE
)
mab_fails build "$ctx"
assert_output_contains "Dockerfile:2"
assert_output_contains "did you mean COPY?"

ctx=$(new_context missing <<'DOCKERFILE'
FROM scratch
COPY nothere.txt /x
DOCKERFILE
)
mab_fails build -o type=oci,dest="$WORK/out.tar" "$ctx"
assert_output_contains "Dockerfile:2"
assert_output_contains "nothere.txt"
[[ ! -e "$WORK/out.tar" ]] || fail "output written despite the error"

ctx=$(new_context multi <<'DOCKERFILE'
FROM scratch
COPY a b /dir
DOCKERFILE
)
touch "$ctx/a" "$ctx/b"
mab_fails build "$ctx"
assert_output_contains "Dockerfile:2"
assert_output_contains "must be a directory and end with a /"

ctx=$(new_context stage <<'DOCKERFILE'
FROM scratch AS one
COPY --from=two /x /x
DOCKERFILE
)
mab_fails build "$ctx"
assert_output_contains "Dockerfile:2"

ctx=$(new_context registry <<'DOCKERFILE'
FROM debian:bookworm
DOCKERFILE
)
mab_fails build "$ctx"
assert_output_contains "Dockerfile:1"

# No Dockerfile at all, and a context that does not exist.
mkdir -p "$WORK/empty"
mab_fails build "$WORK/empty"
assert_output_contains "Dockerfile"
mab_fails build "$WORK/does-not-exist"
assert_output_contains "does-not-exist"

# Unknown target stage.
ctx=$(new_context target <<'DOCKERFILE'
FROM scratch AS builder
FROM scratch AS runtime
DOCKERFILE
)
mab_fails build --target runtim "$ctx"
assert_output_contains "runtim"
echo ok
