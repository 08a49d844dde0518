#!/usr/bin/env bash
# The cache's disk usage and removal (issue 6 items 6 and 7): `mab du` lists the records
# a build left with sizes that add up to the blobs on disk; `mab prune` removes records by
# --filter until= and --keep-storage (least recently used first) and the next build runs
# exactly what was pruned; prune refuses to ask on a non-terminal, waits for running
# builds (which still succeed) and for anyone holding the cache lock; the automatic GC
# after a build follows mab.yaml's gc: and skips a busy root; `mab info` reports the
# policy; a non-root user prunes their own root.
source "$(dirname "$0")/lib.sh"
need jq flock script
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN echo expensive > /expensive
COPY app.txt /app.txt
RUN cat /app.txt > /seen
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh cat echo sleep
echo one >"$ctx/app.txt"

build() { # NAME [flags…]: builds into $WORK/NAME (local output) with metadata NAME.json
  local name=$1
  shift
  mab build --platform linux/amd64 --metadata-file "$WORK/$name.json" "$@" -o type=local,dest="$WORK/$name" "$ctx"
}
# go-units HumanSize, independently: decimal units, 4 significant digits.
human() { awk -v b="$1" 'BEGIN { split("B kB MB GB TB", u, " "); i = 1; while (b >= 1000 && i < 5) { b /= 1000; i++ }
  printf "%.4g%s\n", b, u[i] }'; }
blob_bytes() { find "$MAB_ROOT/content/blobs/sha256" -type f -printf '%s\n' 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }
record_rows() { grep -E '^[0-9a-f]{25} ' "$WORK/last.out" || true; }
summary() { sed -n "s/^$1: *//p" "$WORK/last.out"; }
# The record file whose description is DESCRIPTION (read with jq, not from mab's output).
record_of() {
  local f
  for f in "$MAB_ROOT"/cache/records/*.json; do
    [[ "$(jq -r .description "$f")" == "$1" ]] && echo "$f"
  done
  return 0
}
age() { touch -d "$1" "$(record_of "$2")"; }

build first
assert_eq "$(vertex_counts "$WORK/first.json")" "4 0" "first build runs every step"

# du: one row per record, totals that are the blobs on disk.
mab du
assert_eq "$(record_rows | wc -l)" 4 "du lists the four records"
assert_output_contains "ID                                RECLAIMABLE    SIZE          LAST ACCESSED"
assert_eq "$(summary Total)" "$(human "$(blob_bytes)")" "du's Total is the blobs' bytes"
assert_eq "$(summary Reclaimable)" "$(summary Total)" "everything is reclaimable when no build runs"
[[ -n "$(summary Shared)" && -n "$(summary Private)" ]] || fail "du prints Shared: and Private:"
record_rows | grep -E ' true +[0-9.]+[kMG]?B\*? +(Less than a second|[0-9]+ seconds?|About a minute) ago$' >/dev/null ||
  fail "du rows: reclaimable, a size, a recent last access"
mab du --verbose
assert_eq "$(grep -c '^ID:' "$WORK/last.out")" 4 "du --verbose: one block per record"
assert_output_contains "Description:  [4/4] RUN cat /app.txt > /seen"
mab du --filter until=1h
assert_eq "$(record_rows | wc -l)" 0 "nothing is unused for an hour yet"
mab_fails du --filter id=abc
assert_output_contains "unsupported filter \"id=abc\""

# prune --filter until=: only records unused for that long go; the rebuild runs exactly them.
age '3 days ago' "[3/4] COPY app.txt /app.txt"
age '3 days ago' "[4/4] RUN cat /app.txt > /seen"
old_ids=$(for f in $(record_of "[3/4] COPY app.txt /app.txt") $(record_of "[4/4] RUN cat /app.txt > /seen"); do
  basename "$f" .json | cut -c1-25; done | sort)
mab prune --filter until=48h --force
assert_eq "$(record_rows | cut -d' ' -f1 | sort)" "$old_ids" "prune until=48h removes the two old records"
[[ -n "$(summary Total)" && "$(summary Total)" != 0B ]] || fail "prune reports what it freed"
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 2 "two records left"
build after-until
assert_eq "$(vertex_counts "$WORK/after-until.json")" "2 1" "the pruned COPY and RUN run again, the RUN before is cached"

# prune --keep-storage: least recently used first, until the cache fits.
age '4 hours ago' "[4/4] RUN cat /app.txt > /seen"
age '3 hours ago' "[3/4] COPY app.txt /app.txt"
age '2 hours ago' "[2/4] RUN echo expensive > /expensive"
age '1 hour ago' "[1/4] COPY rootfs/ /"
oldest=$(basename "$(record_of "[4/4] RUN cat /app.txt > /seen")" .json | cut -c1-25)
mab prune --keep-storage "$(($(blob_bytes) - 1))" --force
assert_eq "$(record_rows | cut -d' ' -f1)" "$oldest" "keep-storage removes only the least recently used record"
assert_output_contains "4 hours ago"
build after-keep
assert_eq "$(vertex_counts "$WORK/after-keep.json")" "1 1" "only the pruned RUN runs again"

# Without --force on a non-terminal: refused, nothing removed.
mab_fails prune </dev/null
assert_output_contains "cannot ask for confirmation: standard input is not a terminal"
assert_output_contains "pass --force"
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 4 "a refused prune removes nothing"
# On a terminal, buildx's question; "n" keeps everything.
script -qec "$MAB prune" /dev/null <<<n >"$WORK/answer.out" 2>&1 || true
grep -F "WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N]" \
  "$WORK/answer.out" >/dev/null || { cat "$WORK/answer.out"; fail "prune asks on a terminal"; }
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 4 "answering n removes nothing"

# Whoever holds the cache lock shared (here this shell, as a build holds it) makes prune
# wait. (fd 9 is inherited by mab, but its lock is the shell's open file, not mab's.)
hold_lock() { exec 9>"$MAB_ROOT/cache/.lock" && flock -s 9; }
release_lock() { flock -u 9 && exec 9>&-; }
hold_lock
"$MAB" prune --force >"$WORK/waiting.out" 2>&1 &
pruner=$!
for _ in $(seq 50); do grep -q "waiting for the builds" "$WORK/waiting.out" 2>/dev/null && break; sleep 0.1; done
grep -F "waiting for the builds running on $MAB_ROOT to finish" "$WORK/waiting.out" >/dev/null ||
  { cat "$WORK/waiting.out"; fail "prune says it waits"; }
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 4 "nothing is removed while the lock is held"
release_lock
wait $pruner || { cat "$WORK/waiting.out"; fail "prune after the lock was released"; }
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 0 "prune ran once the lock was free"
assert_eq "$(find "$MAB_ROOT/content/blobs/sha256" -type f | wc -l)" 0 "and removed every blob"

# Prune while a real build runs: it waits, and the build succeeds with all its files.
sed -i 's|RUN cat /app.txt > /seen|RUN sleep 3; cat /app.txt > /seen|' "$ctx/Dockerfile"
"$MAB" build --platform linux/amd64 -o type=local,dest="$WORK/during" "$ctx" >"$WORK/during.log" 2>&1 &
builder=$!
for _ in $(seq 100); do grep -q "sleep 3" "$WORK/during.log" 2>/dev/null && break; sleep 0.1; done
mab prune --force
wait $builder || { cat "$WORK/during.log"; fail "the build during prune"; }
assert_output_contains "waiting for the builds running on $MAB_ROOT to finish"
assert_eq "$(cat "$WORK/during/seen")" one "the build prune waited for"
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 0 "prune removed the build's records after it"
sed -i 's|RUN sleep 3; cat /app.txt > /seen|RUN cat /app.txt > /seen|' "$ctx/Dockerfile"

# A build started while a prune holds the lock (here this shell, exclusive) waits for it.
exec 9>"$MAB_ROOT/cache/.lock" && flock -x 9
"$MAB" build --platform linux/amd64 -o type=local,dest="$WORK/waits" "$ctx" >"$WORK/waits.log" 2>&1 &
builder=$!
for _ in $(seq 100); do grep -q "waiting for mab prune" "$WORK/waits.log" 2>/dev/null && break; sleep 0.1; done
grep -F "waiting for mab prune or a garbage collection on $MAB_ROOT to finish" "$WORK/waits.log" >/dev/null ||
  { cat "$WORK/waits.log"; fail "a build says it waits for prune"; }
kill -0 $builder 2>/dev/null || fail "the build did not wait"
[[ ! -e "$WORK/waits/seen" ]] || fail "the build ran while prune held the lock"
release_lock
wait $builder || { cat "$WORK/waits.log"; fail "the build after prune released the lock"; }
assert_eq "$(cat "$WORK/waits/seen")" one "the build that waited"
mab prune --force

# Automatic GC after a build, by mab.yaml's gc: settings.
printf 'gc:\n  keep-storage: 1kB\n' >"$MAB_CONFIG"
build gc1
assert_output_contains "garbage collection: removed 4 cache records"
assert_eq "$(find "$MAB_ROOT/content/blobs/sha256" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 <= 1024 }')" 1 \
  "GC kept at most keep-storage"
build gc2
assert_eq "$(vertex_counts "$WORK/gc2.json")" "4 0" "what GC removed runs again"
assert_output_contains "garbage collection: removed 4 cache records"
# A busy root (the lock held shared, as a running build holds it) is collected another time.
hold_lock
build gc3
release_lock
grep -F "garbage collection" "$WORK/last.out" >/dev/null && fail "GC ran although the root was busy"
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 4 "a skipped GC removes nothing"
printf 'gc:\n  enabled: false\n  keep-storage: 1kB\n' >"$MAB_CONFIG"
build gc4
grep -F "garbage collection" "$WORK/last.out" >/dev/null && fail "GC ran although disabled"
assert_eq "$(ls "$MAB_ROOT/cache/records" | wc -l)" 4 "a disabled GC removes nothing"
printf 'gc:\n  keep-storage: 10%%\n  keep-duration: 24h\n' >"$MAB_CONFIG"
mab info
assert_output_contains "Storage root:     $MAB_ROOT"
assert_output_contains "  Enabled:        true"
assert_output_contains "  Keep Duration:  24h0m0s"
grep -E '^  Keep Bytes: +[0-9.]+[kMGT]?B \(10% of [0-9.]+[kMGT]?B, mab.yaml\)$' "$WORK/last.out" >/dev/null ||
  fail "info: keep bytes from the 10% setting"
assert_output_contains "  linux/amd64:    native"
grep -E '^Snapshotter: +(overlay|native) \(auto\)' "$WORK/last.out" >/dev/null || fail "info: the snapshotter"
grep -E '^  Records: +[0-9]+$' "$WORK/last.out" >/dev/null || fail "info: cache records"
printf 'gc:\n  keep-storge: 1GB\n' >"$MAB_CONFIG"
mab_fails du
assert_output_contains "$MAB_CONFIG:2: unknown gc setting \"keep-storge\" (did you mean keep-storage?)"
printf 'gc:\n  keep-storage: lots\n' >"$MAB_CONFIG"
mab_fails info
assert_output_contains "$MAB_CONFIG:2: gc: keep-storage: expected a size"
rm "$MAB_CONFIG"

# --all also drops the stat caches.
[[ -n "$(ls "$MAB_ROOT/cache/stat")" ]] || fail "builds left stat caches"
mab prune --all --force
assert_eq "$(ls "$MAB_ROOT/cache/stat" | wc -l)" 0 "prune --all removes the stat caches"

# A non-root user's own root (not mab-e2e's default one, which other tests use): build,
# du, prune.
if [[ $(id -u) -eq 0 ]] && command -v runuser >/dev/null; then
  ensure_e2e_user
  share_work_with_e2e_user
  user_root="$WORK/out/user-root"
  as_e2e_user "$WORK/mab" --root "$user_root" build --platform linux/amd64 -o type=local,dest="$WORK/out/u" "$ctx" \
    >"$WORK/user.log" 2>&1 || { cat "$WORK/user.log"; fail "rootless build"; }
  as_e2e_user "$WORK/mab" --root "$user_root" du >"$WORK/last.out" 2>&1 || fail "rootless du"
  assert_eq "$(record_rows | wc -l)" 4 "rootless du"
  as_e2e_user "$WORK/mab" --root "$user_root" prune --force >"$WORK/last.out" 2>&1 || fail "rootless prune"
  assert_eq "$(record_rows | wc -l)" 4 "rootless prune lists what it removed"
  assert_eq "$(ls "$user_root/cache/records" | wc -l)" 0 "rootless prune removed the records"
fi
