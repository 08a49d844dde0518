#!/usr/bin/env bash
# RUN on the host's own platform in the rootless sandbox: a busybox base built by mab
# itself (FROM scratch + COPY of Debian's static busybox), RUN output in the image,
# deletions as whiteouts, ARG/ENV/WORKDIR/USER applied, --network=none, failures.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /

FROM base
ARG GREETING=hello
ENV NAME=world
WORKDIR /work
RUN echo "$GREETING $NAME" > out.txt && uname -m > /arch && id -u > /uid && pwd > /cwd
RUN rm /bin/ls && mkdir -p /data && echo kept > /data/kept
RUN --network=none cat /proc/net/dev > /netdev
USER 1000:1000
RUN id -u > /tmp/uid-user
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh echo uname id pwd rm mkdir cat ls
echo 'root:x:0:0:root:/root:/bin/sh' >"$ctx/rootfs/etc/passwd"

mab build --platform linux/amd64 -o type=oci,dest="$WORK/out.tar" "$ctx"
assert_output_contains "RUN echo"
root=$(unpack_platform "$WORK/out.tar" amd64)
assert_eq "$(cat "$root/work/out.txt")" "hello world" "ARG and ENV in RUN"
assert_eq "$(cat "$root/arch")" "x86_64" "uname -m"
assert_eq "$(cat "$root/uid")" "0" "root in the sandbox"
assert_eq "$(cat "$root/cwd")" "/work" "WORKDIR"
[[ ! -e "$root/bin/ls" ]] || fail "/bin/ls was deleted by a RUN but is in the image"
assert_eq "$(cat "$root/data/kept")" kept "RUN output"
grep -q "lo:" "$root/netdev" || fail "--network=none has no loopback"
[[ $(grep -c ":" "$root/netdev") -eq 1 ]] || fail "--network=none sees other interfaces: $(cat "$root/netdev")"
if [[ $(id -u) -eq 0 ]]; then assert_eq "$(cat "$root/tmp/uid-user")" 1000 "USER 1000"; fi
config=$(skopeo inspect --config "oci-archive:$WORK/out.tar")
jq -r '.config.Env[]' <<<"$config" | grep '^GREETING=' >/dev/null && fail "ARG values must not be in the config"
assert_eq "$(jq -r '[.history[] | select(.created_by | startswith("RUN"))] | length' <<<"$config")" 4 "RUN history"

# A failing RUN: buildx's message, the Dockerfile line, no output written.
ctx2=$(new_context fail <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN echo before; exit 3
DOCKERFILE
)
cp -a "$ctx/rootfs" "$ctx2/rootfs"
mab_fails build --platform linux/amd64 -o type=oci,dest="$WORK/fail.tar" "$ctx2"
assert_output_contains 'process "/bin/sh -c echo before; exit 3" did not complete successfully: exit code: 3'
assert_output_contains "Dockerfile:3"
assert_output_contains "before"
[[ ! -e "$WORK/fail.tar" ]] || fail "output written despite the failed RUN"

grep -q "^/proc/.*mab" /proc/self/mountinfo && fail "a mount leaked into the host"
echo ok
