#!/usr/bin/env bash
# RUN --mount=type=ssh driven like a user: --ssh default ($SSH_AUTH_SOCK) and
# --ssh ID=SOCKET forward a real ssh-agent's socket (ssh-add in the RUN, with the
# host's libraries, lists the agent's key) through a socket with the mount's mode,
# uid and gid, SSH_AUTH_SOCK is set for the first ssh mount, an optional id nobody gave is skipped and a required one fails naming it.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq ssh-agent ssh-add ssh-keygen ldd
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64"

eval "$(ssh-agent -a "$WORK/agent.sock" -s)" >/dev/null
trap 'ssh-agent -k >/dev/null 2>&1 || true; cleanup' EXIT
ssh-keygen -q -t ed25519 -N '' -C mab-e2e-key -f "$WORK/key"
ssh-add -q "$WORK/key" 2>/dev/null
ctx3=$(new_context ssh <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN --mount=type=ssh ssh-add -l > /keys; echo "$SSH_AUTH_SOCK" > /sock; stat -c '%a %u:%g %F' "$SSH_AUTH_SOCK" > /sock-stat
RUN --mount=type=ssh,mode=0660,uid=1,gid=2 stat -c '%a %u:%g' "$SSH_AUTH_SOCK" > /sock-stat-set
USER 1000
RUN --mount=type=ssh,uid=1000 ssh-add -l > /tmp/user-keys
USER 0
RUN --mount=type=ssh,id=other,target=/agent SSH_AUTH_SOCK=/agent ssh-add -l > /other-keys
RUN --mount=type=ssh,id=absent test ! -e /run/buildkit/ssh_agent.0 && echo skipped > /ssh-absent
DOCKERFILE
)
# ssh-add from the host with the libraries it loads, so the RUN speaks the agent protocol.
busybox_rootfs "$ctx3/rootfs" sh echo test stat
mkdir -p "$ctx3/rootfs/usr/bin" && cp "$(command -v ssh-add)" "$ctx3/rootfs/usr/bin/ssh-add"
for lib in $(ldd "$(command -v ssh-add)" | grep -o '/[^ ]*'); do
  mkdir -p "$ctx3/rootfs$(dirname "$lib")" && cp -L "$lib" "$ctx3/rootfs$lib"
done
sed -i 's|^COPY rootfs/ /|COPY rootfs/ /\nENV PATH=/usr/bin:/bin|' "$ctx3/Dockerfile"
mab build --platform linux/amd64 --ssh default --ssh other="$WORK/agent.sock" -o type=oci,dest="$WORK/ssh.tar" "$ctx3"
root=$(unpack_platform "$WORK/ssh.tar" amd64)
grep -F mab-e2e-key "$root/keys" >/dev/null || fail "ssh-add -l in the RUN: $(cat "$root/keys")"
grep -F mab-e2e-key "$root/other-keys" >/dev/null || fail "ssh id=other: $(cat "$root/other-keys")"
assert_eq "$(cat "$root/sock")" /run/buildkit/ssh_agent.0 "SSH_AUTH_SOCK"
assert_eq "$(cat "$root/sock-stat")" "600 0:0 socket" "the agent socket's default mode and owner"
assert_eq "$(cat "$root/sock-stat-set")" "660 1:2" "the agent socket's mode, uid, gid"
grep -F mab-e2e-key "$root/tmp/user-keys" >/dev/null || fail "ssh-add -l as USER 1000 with uid=1000"
assert_eq "$(cat "$root/ssh-absent")" skipped "an optional ssh id nobody gave is skipped"
[[ ! -e "$root/run/buildkit" && ! -e "$root/agent" ]] || fail "ssh mount points in the image"

ctx4=$(host_busybox_context ssh_required sh true <<'DOCKERFILE'
RUN --mount=type=ssh,id=gh,required true
DOCKERFILE
)
mab_fails build --platform linux/amd64 "$ctx4"
assert_output_contains 'ssh agent "gh" is required but was not provided'
echo ok
