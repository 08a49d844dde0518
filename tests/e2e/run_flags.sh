#!/usr/bin/env bash
# RUN flags refused with the Dockerfile line: a --mount whose required secret was not
# given (when the RUN would run — the outline still lists the file's args),
# --security=insecure (not allowed without --allow security.insecure, and not supported
# with it); --allow checks its value. Mounts themselves: run_mounts*.sh.
source "$(dirname "$0")/lib.sh"

ctx=$(new_context mounts <<'DOCKERFILE'
FROM scratch
RUN --mount=type=secret,id=token,required cat /run/secrets/token
DOCKERFILE
)
mab_fails build -o type=oci,dest="$WORK/out.tar" "$ctx"
assert_output_contains "Dockerfile:2"
assert_output_contains 'secret "token" is required but was not provided'
[[ ! -e "$WORK/out.tar" ]] || fail "output written despite the error"
mab build --call outline "$ctx"  # lowering a RUN with mounts succeeds

ctx=$(new_context insecure <<'DOCKERFILE'
FROM scratch
RUN --security=insecure true
DOCKERFILE
)
mab_fails build "$ctx"
assert_output_contains "security.insecure is not allowed"
assert_output_contains "--allow security.insecure"
mab_fails build --allow security.insecure "$ctx"
assert_output_contains "RUN --security=insecure is not supported"
mab_fails build --allow security.insecur "$ctx"
assert_eq "$MAB_STATUS" 2 "exit status of a usage error"
assert_output_contains "unknown entitlement (did you mean security.insecure?)"
echo ok
