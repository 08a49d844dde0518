#!/usr/bin/env bash
# Snapshotters (issue 3): overlay where the kernel allows it (also as a non-root user),
# native on request (--snapshotter, mab.yaml) or where overlay is refused, and both give
# the same image digest for the same build, deletions and replaced directories included.
# Bad choices name the flag or the file and line.
source "$(dirname "$0")/lib.sh"
need jq runuser unshare
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
FROM base
RUN mkdir -p /data/sub/deep && echo one > /data/a && echo two > /data/sub/b && echo x > /data/gone && echo d > /data/sub/deep/f
RUN rm /data/gone /bin/ls && echo changed > /data/a
RUN rm -rf /data/sub && mkdir -p /data/sub/deep && echo new > /data/sub/c
RUN true
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh echo rm mkdir ls true
export SOURCE_DATE_EPOCH=1700000000

digest() { jq -r '."containerimage.digest"' "$1"; }
used() { jq -r '."mab.snapshotter"' "$1"; }

# Automatic choice: overlay works here.
mab build --metadata-file "$WORK/auto.json" -o type=oci,dest="$WORK/auto.tar" "$ctx"
assert_eq "$(used "$WORK/auto.json")" overlay "snapshotter chosen automatically"
mab build --no-cache --snapshotter native --metadata-file "$WORK/native.json" -o type=oci,dest="$WORK/native.tar" "$ctx"
assert_eq "$(used "$WORK/native.json")" native "--snapshotter native"
assert_eq "$(digest "$WORK/auto.json")" "$(digest "$WORK/native.json")" "image digest from overlay vs native"

# The replaced directory's old entries are whiteouts an independent reader honours.
if command -v umoci >/dev/null && command -v skopeo >/dev/null; then
  root=$(unpack_platform "$WORK/auto.tar" amd64)
  [[ -e "$root/data/sub/c" && ! -e "$root/data/sub/b" && ! -e "$root/data/sub/deep/f" ]] ||
    fail "replaced /data/sub: expected only c and an empty deep/, got $(ls -R "$root/data/sub")"
  [[ ! -e "$root/data/gone" && ! -e "$root/bin/ls" ]] || fail "deleted files are in the image"
fi

# mab.yaml chooses too; the flag wins over it.
printf 'snapshotter: native\n' >"$MAB_CONFIG"
mab build --metadata-file "$WORK/cfg.json" "$ctx"
assert_eq "$(used "$WORK/cfg.json")" native "mab.yaml snapshotter: native"
mab build --snapshotter overlay --metadata-file "$WORK/flag.json" "$ctx"
assert_eq "$(used "$WORK/flag.json")" overlay "--snapshotter over mab.yaml"

printf '# settings\nsnapshoter: native\n' >"$MAB_CONFIG"
mab_fails build "$ctx"
assert_output_contains "$MAB_CONFIG:2: unknown setting \"snapshoter\""
assert_output_contains "did you mean snapshotter?"
printf 'snapshotter: zfs\n' >"$MAB_CONFIG"
mab_fails build "$ctx"
assert_output_contains "$MAB_CONFIG:1: unknown snapshotter \"zfs\""
rm "$MAB_CONFIG"

mab_fails build --snapshotter btrfs "$ctx"
assert_eq "$MAB_STATUS" 2 "exit status of a bad --snapshotter"
assert_output_contains "--snapshotter: unknown snapshotter \"btrfs\""

# Where overlay is refused (a storage root on overlayfs cannot hold upper directories):
# automatic falls back with a warning, an explicit overlay is a clear error.
if [[ $(id -u) -eq 0 ]]; then
  mkdir -p "$WORK/ovl/lower" "$WORK/ovl/upper" "$WORK/ovl/work" "$WORK/ovl/merged"
  unshare -m bash -c '
    mount --make-rprivate / &&
    mount -t overlay overlay -o "lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work" "$1/merged" &&
    MAB_ROOT="$1/merged/root" "$MAB" build --metadata-file "$1/fallback.json" "$2" >"$1/fallback.out" 2>&1
    echo $? >"$1/fallback.rc"
    MAB_ROOT="$1/merged/root" "$MAB" build --snapshotter overlay "$2" >"$1/forced.out" 2>&1
    echo $? >"$1/forced.rc"' _ "$WORK/ovl" "$ctx"
  assert_eq "$(cat "$WORK/ovl/fallback.rc")" 0 "build on a storage root where overlay is refused"
  assert_eq "$(used "$WORK/ovl/fallback.json")" native "fallback snapshotter"
  assert_contains "$WORK/ovl/fallback.out" "WARNING: overlay mounts do not work here"
  assert_eq "$(cat "$WORK/ovl/forced.rc")" 1 "exit status of --snapshotter overlay where it is refused"
  assert_contains "$WORK/ovl/forced.out" "the overlay snapshotter cannot be used in"
  assert_contains "$WORK/ovl/forced.out" "--snapshotter=native"

  # Rootless: a user with subordinate ids gets overlay too, and the same digest.
  user=mab-e2e
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
  grep -q "^$user:" /etc/subuid || echo "$user:300000:65536" >>/etc/subuid
  grep -q "^$user:" /etc/subgid || echo "$user:300000:65536" >>/etc/subgid
  cp "$MAB" "$WORK/mab" && chmod 755 "$WORK/mab"
  mkdir -p "$WORK/user-out" && chmod 777 "$WORK/user-out"
  chmod -R a+rX "$WORK"
  runuser -u "$user" -- env -u MAB_ROOT MAB_CONFIG=/nonexistent SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" \
    HOME="$(getent passwd "$user" | cut -d: -f6)" "$WORK/mab" build \
    --metadata-file "$WORK/user-out/meta.json" -o type=oci,dest="$WORK/user-out/img.tar" "$ctx" >"$WORK/last.out" 2>&1 || fail "build as $user"
  assert_eq "$(used "$WORK/user-out/meta.json")" overlay "snapshotter as $user"
  assert_eq "$(digest "$WORK/user-out/meta.json")" "$(digest "$WORK/native.json")" "digest as $user"
fi
echo ok
