#!/usr/bin/env bash
# RUN --mount=type=cache directories in the cache's accounting, as buildx shows a
# builder's (type exec.cachemount): `mab du` lists one with its size in the totals and
# BuildKit's description; `mab prune --filter type=exec.cachemount` removes it (the
# next build's RUN sees an empty cache) and leaves the records; one a running build
# holds (sharing=locked, sleeping) is kept and shown not reclaimable while prune goes on
# without waiting; the GC after a build drops one unused for 48h first; a rootless
# user's cache mount with files of a subordinate id is measured and pruned.
source "$(dirname "$0")/lib.sh"
need jq
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

# The fill cache: each round lists what the cache holds, then adds 2 MiB to it.
ctx=$(host_busybox_context fill sh ls dd cat echo <<'DOCKERFILE'
ARG ROUND
RUN --mount=type=cache,id=fill,target=/var/cache/fill ls -A /var/cache/fill > /before && \
    dd if=/dev/zero of=/var/cache/fill/blob-$ROUND bs=1024 count=2048 2>/dev/null
DOCKERFILE
)
build() { # ROUND [flags…]: builds into $WORK/ROUND
  local round=$1
  shift
  mab build --platform linux/amd64 --build-arg ROUND="$round" "$@" -o type=local,dest="$WORK/$round" "$ctx"
}
# ROOT/cache-mounts/<sha256 of the id>, and its du ID (the first 25 hex digits).
mount_dir() { echo "$MAB_ROOT/cache-mounts/$(printf %s "$1" | sha256sum | cut -d' ' -f1)"; }
mount_id() { printf %s "$1" | sha256sum | cut -c1-25; }
row_of() { grep -E "^$1 " "$WORK/last.out" || true; }
record_rows() { grep -E '^[0-9a-f]{25} ' "$WORK/last.out" | grep -v -e "^$(mount_id fill) " -e "^$(mount_id held) " || true; }
summary() { sed -n "s/^$1: *//p" "$WORK/last.out"; }
# go-units HumanSize, independently: decimal units, 4 significant digits.
human() { awk -v b="$1" 'BEGIN { split("B kB MB GB TB", u, " "); i = 1; while (b >= 1000 && i < 5) { b /= 1000; i++ }
  printf "%.4g%s\n", b, u[i] }'; }
blob_bytes() { find "$MAB_ROOT/content/blobs/sha256" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
disk_bytes() { du -s --block-size=1 "$1" | cut -f1; }

build one
assert_eq "$(cat "$WORK/one/before")" "" "the first build starts with an empty cache"

# du: the cache mount is a row of its own, its size in the totals.
mab du
fill_row=$(row_of "$(mount_id fill)")
[[ -n "$fill_row" ]] || fail "du lists the cache mount"
grep -E ' true +2\.[01][0-9]*MB +(Less than a second|[0-9]+ seconds?|About a minute) ago$' <<<"$fill_row" >/dev/null ||
  fail "du's cache mount row: reclaimable, about 2 MiB, just used: $fill_row"
assert_eq "$(summary Total)" "$(human $(($(blob_bytes) + $(disk_bytes "$(mount_dir fill)"))))" \
  "du's Total is the blobs plus the cache mount's bytes on disk"
assert_eq "$(summary Reclaimable)" "$(summary Total)" "everything is reclaimable when no build runs"
records=$(record_rows | wc -l)
((records >= 2)) || fail "du still lists the records"
mab du --verbose --filter type=exec.cachemount
assert_eq "$(grep -c '^ID:' "$WORK/last.out")" 1 "du --filter type=exec.cachemount: the cache mount alone"
assert_output_contains "ID:           $(mount_id fill)"
assert_output_contains "Type:         exec.cachemount"
assert_output_contains "Mutable:      true"
assert_output_contains "Cache ID:     fill"
assert_output_contains "Description:  cached mount /var/cache/fill from exec /bin/sh -c ls -A /var/cache/fill > /before"
mab du --filter type=regular
[[ -z "$(row_of "$(mount_id fill)")" ]] || fail "du --filter type=regular shows no cache mount"
assert_eq "$(record_rows | wc -l)" "$records" "du --filter type=regular shows the records"
mab du --filter 'type!=regular'
assert_eq "$(grep -cE '^[0-9a-f]{25} ' "$WORK/last.out")" 1 "du --filter type!=regular: the cache mount alone"
mab_fails du --filter type=exec.cachemounts
assert_output_contains "unknown type \"exec.cachemounts\" (did you mean exec.cachemount?)"

build two
assert_eq "$(cat "$WORK/two/before")" blob-one "the cache persists between builds"

# prune --filter type=exec.cachemount: the cache mount goes, the records stay.
mab prune --filter type=exec.cachemount --force
[[ -n "$(row_of "$(mount_id fill)")" ]] || fail "prune lists the cache mount it removed"
[[ ! -e "$(mount_dir fill)" ]] || fail "the cache mount's directory is still there"
[[ "$(summary Total)" == 4.* ]] || fail "prune frees the cache mount's 4 MiB: $(summary Total)"
records=$(ls "$MAB_ROOT/cache/records" | wc -l)
((records >= 3)) || fail "the records stay"
build three
assert_eq "$(cat "$WORK/three/before")" "" "after the prune the next build starts with an empty cache"

# A cache mount a running build holds is kept; prune does not wait for that build.
held_ctx=$(host_busybox_context held sh cat echo sleep <<'DOCKERFILE'
RUN --mount=type=cache,id=held,target=/c,sharing=locked echo kept > /c/mark && sleep 8 && cat /c/mark > /seen
DOCKERFILE
)
"$MAB" build --platform linux/amd64 -o type=local,dest="$WORK/held" "$held_ctx" >"$WORK/held.log" 2>&1 &
builder=$!
for _ in $(seq 150); do [[ -e "$(mount_dir held)/data/mark" ]] && break; sleep 0.1; done
[[ -e "$(mount_dir held)/data/mark" ]] || { cat "$WORK/held.log"; fail "the RUN holding the cache did not start"; }
mab du
grep -E ' false +' <<<"$(row_of "$(mount_id held)")" >/dev/null || fail "du: the held cache mount is not reclaimable"
[[ "$(summary Reclaimable)" != "$(summary Total)" ]] || fail "du: Reclaimable leaves out the held cache mount"
mab prune --filter type=exec.cachemount --force
kill -0 $builder 2>/dev/null || fail "prune waited for the build (or the build ended early)"
[[ -n "$(row_of "$(mount_id fill)")" ]] || fail "prune removed the idle cache mount"
[[ -z "$(row_of "$(mount_id held)")" ]] || fail "prune lists the held cache mount as removed"
[[ ! -e "$(mount_dir fill)" ]] || fail "the idle cache mount is still there"
[[ -e "$(mount_dir held)/data/mark" ]] || fail "prune removed a cache mount a RUN holds"
wait $builder || { cat "$WORK/held.log"; fail "the build holding the cache mount"; }
assert_eq "$(cat "$WORK/held/seen")" kept "the RUN kept its cache while prune ran"
mab du --filter type=exec.cachemount
grep -E ' true +' <<<"$(row_of "$(mount_id held)")" >/dev/null || fail "du: reclaimable once the build ended"

# A plain prune removes cache mounts too (and waits for builds, as before).
mab prune --force
[[ ! -e "$(mount_dir held)" ]] || fail "mab prune removes cache mounts"
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 0 "and the records"

# GC after a build: a cache mount unused for 48h goes first while the cache is above
# ~13.8% of keep-storage; records and a recent cache mount stay.
build four
touch -d '3 days ago' "$(mount_dir fill)/meta.json"
printf 'gc:\n  keep-storage: 10MB\n' >"$MAB_CONFIG"
mab build --platform linux/amd64 -o type=local,dest="$WORK/held2" "$held_ctx"
assert_output_contains "garbage collection: removed 0 cache records, 1 cache mounts and 0 blobs"
[[ ! -e "$(mount_dir fill)" ]] || fail "GC removed the cache mount unused for 3 days"
[[ -e "$(mount_dir held)/data/mark" ]] || fail "GC keeps the cache mount just used"
# keep-storage far below the cache: everything goes, cache mounts included.
printf 'gc:\n  keep-storage: 1kB\n' >"$MAB_CONFIG"
build five
grep -E "garbage collection: removed [0-9]+ cache records, 2 cache mounts" "$WORK/last.out" >/dev/null ||
  fail "GC under a tiny keep-storage removes both cache mounts"
assert_eq "$(ls "$MAB_ROOT/cache-mounts" | wc -l)" 0 "no cache mount left"
rm "$MAB_CONFIG"
mab info
grep -E '^  Cache Mounts: +unused for 48h0m0s go first while the cache is above [0-9.]+[kMGT]?B$' "$WORK/last.out" \
  >/dev/null || fail "info: the cache mount GC rule"
grep -E '^  Cache mounts: +0$' "$WORK/last.out" >/dev/null || fail "info: the cache mount count"

# Rootless: mab-e2e's RUN as uid 1000 writes files owned by a subordinate id on the
# host, in a directory only that id may read; du measures them, prune removes them.
if [[ $(id -u) -eq 0 ]] && command -v runuser >/dev/null; then
  ensure_e2e_user
  user_ctx=$(host_busybox_context user sh dd mkdir chmod <<'DOCKERFILE'
USER 1000:1000
RUN --mount=type=cache,id=user-cache,target=/home/u/.cache,uid=1000,gid=1000 \
    mkdir -p /home/u/.cache/private && chmod 700 /home/u/.cache/private && \
    dd if=/dev/zero of=/home/u/.cache/private/blob bs=1024 count=3072 2>/dev/null
DOCKERFILE
)
  share_work_with_e2e_user
  user_root="$WORK/out/user-root"
  as_e2e_user "$WORK/mab" --root "$user_root" build --platform linux/amd64 -o type=local,dest="$WORK/out/u" "$user_ctx" \
    >"$WORK/last.out" 2>&1 || fail "rootless build"
  user_mount="$user_root/cache-mounts/$(printf %s user-cache | sha256sum | cut -d' ' -f1)"
  subuid=$(grep "^$E2E_USER:" /etc/subuid | cut -d: -f2)
  assert_eq "$(stat -c %u "$user_mount/data/private/blob")" "$((subuid + 999))" "the file's owner on the host"
  as_e2e_user "$WORK/mab" --root "$user_root" du --filter type=exec.cachemount >"$WORK/last.out" 2>&1 || fail "rootless du"
  grep -E ' true +3\.[0-9]+MB ' <<<"$(row_of "$(mount_id user-cache)")" >/dev/null ||
    fail "rootless du measures the files of the subordinate id"
  as_e2e_user "$WORK/mab" --root "$user_root" prune --filter type=exec.cachemount --force >"$WORK/last.out" 2>&1 ||
    fail "rootless prune"
  [[ -n "$(row_of "$(mount_id user-cache)")" ]] || fail "rootless prune lists the cache mount"
  [[ ! -e "$user_mount" ]] || fail "rootless prune left $(find "$user_mount" | head -5)"
  assert_eq "$(ls -A "$user_root/cache-mounts")" "" "nothing left under the user's cache-mounts"
fi
echo ok
