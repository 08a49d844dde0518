#!/usr/bin/env bash
# RUN --mount as the non-root user mab-e2e (rootless: mab's user namespace maps the
# user to 0 and its subordinate ids above): a cache that persists under the user's
# storage root (a fresh one, so runs of this test do not share it), owned by the user, a secret, a writable bind whose
# writes stay out of the context, a tmpfs, and a USER 1000 RUN using a cache made for it.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq runuser
[[ $(id -u) -eq 0 ]] || skip "needs root to create the test user"
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64"
ensure_e2e_user

ctx=$(host_busybox_context rootless sh echo cat md5sum id <<'DOCKERFILE'
ARG ROUND
RUN --mount=type=cache,target=/cache echo "$ROUND" >> /cache/log && cat /cache/log > /seen
RUN --mount=type=secret,id=token md5sum < /run/secrets/token > /token-md5
RUN --mount=target=/ctx,rw echo changed > /ctx/file && cat /ctx/file > /rw-saw
RUN --mount=type=tmpfs,target=/t echo t > /t/x && cat /t/x > /tmpfs-saw
USER 1000:1000
RUN --mount=type=cache,id=user-cache,target=/home/u/.cache,uid=1000,gid=1000 \
    echo "$ROUND" >> /home/u/.cache/log && id -u > /tmp/uid && cat /home/u/.cache/log > /tmp/user-seen
DOCKERFILE
)
echo original >"$ctx/file"
printf 'user-secret-%s' "$RANDOM" >"$WORK/token"
share_work_with_e2e_user
chmod 644 "$WORK/token"

for round in one two; do
  as_e2e_user env MAB_ROOT="$WORK/out/root" "$WORK/mab" build --platform linux/amd64 --build-arg ROUND=$round --secret id=token,src="$WORK/token" \
    -o type=oci,dest="$WORK/out/$round.tar" "$ctx" >"$WORK/last.out" 2>&1 || fail "build $round as $E2E_USER"
done
root=$(unpack_platform "$WORK/out/two.tar" amd64)
assert_eq "$(tr '\n' ' ' <"$root/seen")" "one two " "the cache persists between the user's builds"
assert_eq "$(cat "$root/token-md5")" "$(md5sum <"$WORK/token")" "secret as $E2E_USER"
assert_eq "$(cat "$root/rw-saw")" changed "rw bind as $E2E_USER"
assert_eq "$(cat "$ctx/file")" original "a rw bind's write reached the context"
assert_eq "$(cat "$root/tmpfs-saw")" t "tmpfs as $E2E_USER"
assert_eq "$(cat "$root/tmp/uid")" 1000 "USER 1000"
assert_eq "$(tr '\n' ' ' <"$root/tmp/user-seen")" "one two " "a cache owned by uid 1000 for USER 1000"
# ROOT/cache-mounts/<sha256 of the id>/data; the id defaults to the target.
cache="$WORK/out/root/cache-mounts/$(printf %s /cache | sha256sum | cut -d' ' -f1)/data"
[[ -d "$cache" ]] || fail "no cache at $cache: $(ls "$WORK/out/root/cache-mounts")"
assert_eq "$(stat -c %U "$cache")" "$E2E_USER" "owner of the cache on the host (root in mab's namespace)"
user_cache="$WORK/out/root/cache-mounts/$(printf %s user-cache | sha256sum | cut -d' ' -f1)/data"
assert_eq "$(stat -c %u "$user_cache")" "$(($(grep "^$E2E_USER:" /etc/subuid | cut -d: -f2) + 999))" \
  "owner of a uid=1000 cache on the host (the user's subordinate id for 1000)"
[[ ! -e "$root/cache" && ! -e "$root/run/secrets" && ! -e "$root/ctx" && ! -e "$root/home/u" ]] ||
  fail "mount points in the image"
echo ok
