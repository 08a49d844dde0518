#!/usr/bin/env bash
# The persistent cache (issue 6): a second mab process on the same root reuses what the
# first built; keys follow the content a COPY selects (not mtimes, not .dockerignore'd
# files); a changed file re-runs only the steps after its COPY; --no-cache runs all;
# two builds on one root at once both succeed; a build killed with SIGKILL leaves a root
# the next build uses; the rootless path keeps its own cache the same way.
source "$(dirname "$0")/lib.sh"
need jq
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN echo expensive > /expensive && cat /proc/sys/kernel/random/uuid > /run-id
COPY app.txt /app.txt
RUN cat /app.txt > /seen && cat /proc/sys/kernel/random/uuid > /late-run-id
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh cat echo sleep
echo one >"$ctx/app.txt"
echo unrelated >"$ctx/notes.txt"
printf 'ignored.txt\n' >"$ctx/.dockerignore"
echo x >"$ctx/ignored.txt"

build() { # NAME [flags…]: builds into $WORK/NAME (local output) with metadata NAME.json
  local name=$1
  shift
  mab build --platform linux/amd64 --metadata-file "$WORK/$name.json" "$@" -o type=local,dest="$WORK/$name" "$ctx"
}

build first
assert_eq "$(vertex_counts "$WORK/first.json")" "4 0" "first build runs every step"
build second
assert_eq "$(vertex_counts "$WORK/second.json")" "0 1" "second process: the last step is a cache hit, nothing runs"
# As buildx shows it: every step is CACHED, also those below the hit that were not needed.
assert_eq "$(grep -c '^#[0-9]* CACHED$' "$WORK/last.out")" 4 "CACHED lines of a fully cached build"
assert_eq "$(cat "$WORK/second/run-id")" "$(cat "$WORK/first/run-id")" "the cached result's files"

# mtimes, unrelated and ignored files do not matter.
touch -d '2001-01-01' "$ctx/app.txt"
echo changed >"$ctx/notes.txt.unused" && rm "$ctx/notes.txt.unused"
echo changed >"$ctx/ignored.txt"
build touched
assert_eq "$(vertex_counts "$WORK/touched.json")" "0 1" "mtime and .dockerignore'd changes keep the cache"

# A changed file: only the steps from its COPY on run; the expensive RUN is reused.
echo two >"$ctx/app.txt"
build changed
assert_eq "$(vertex_counts "$WORK/changed.json")" "2 1" "COPY and the RUN after it run, the RUN before is cached"
assert_eq "$(cat "$WORK/changed/seen")" two "the new file reached the RUN"
assert_eq "$(cat "$WORK/changed/run-id")" "$(cat "$WORK/first/run-id")" "the expensive RUN's result is reused"
[[ "$(cat "$WORK/changed/late-run-id")" != "$(cat "$WORK/first/late-run-id")" ]] || fail "the last RUN did not run again"

# --no-cache runs everything (and refreshes the records).
build nocache --no-cache
assert_eq "$(vertex_counts "$WORK/nocache.json")" "4 0" "--no-cache"

# An image output from cache hits only: same digest as the build that ran.
mab build --platform linux/amd64 --no-cache --metadata-file "$WORK/img1.json" -o type=oci,dest="$WORK/img1.tar" "$ctx"
mab build --platform linux/amd64 --metadata-file "$WORK/img2.json" -o type=oci,dest="$WORK/img2.tar" "$ctx"
assert_eq "$(vertex_counts "$WORK/img2.json")" "0 1" "image output from the cache"
assert_eq "$(jq -r '."containerimage.digest"' "$WORK/img2.json")" "$(jq -r '."containerimage.digest"' "$WORK/img1.json")" \
  "the cached image is the same image"

# Two builds on one root at once (a new file, so both have work to do) both succeed.
echo three >"$ctx/app.txt"
"$MAB" build --platform linux/amd64 -o type=local,dest="$WORK/c1" "$ctx" >"$WORK/c1.log" 2>&1 &
p1=$!
"$MAB" build --platform linux/amd64 -o type=local,dest="$WORK/c2" "$ctx" >"$WORK/c2.log" 2>&1 &
p2=$!
wait $p1 || { cat "$WORK/c1.log"; fail "first concurrent build"; }
wait $p2 || { cat "$WORK/c2.log"; fail "second concurrent build"; }
assert_eq "$(cat "$WORK/c1/seen") $(cat "$WORK/c2/seen")" "three three" "concurrent builds"

# SIGKILL in the middle of a RUN, then a build that succeeds and reuses what was done.
sed -i 's|RUN cat /app.txt > /seen|RUN sleep 30; cat /app.txt > /seen|' "$ctx/Dockerfile"
"$MAB" build --platform linux/amd64 -o type=local,dest="$WORK/killed" "$ctx" >"$WORK/killed.log" 2>&1 &
victim=$!
for _ in $(seq 100); do grep -q "sleep 30" "$WORK/killed.log" 2>/dev/null && break; sleep 0.1; done
kill -KILL $victim; wait $victim 2>/dev/null || true
sed -i 's|RUN sleep 30; cat /app.txt > /seen|RUN cat /app.txt > /seen|' "$ctx/Dockerfile"
# What a writer killed mid-write leaves (a blob being ingested, a record's temporary)
# goes with the next build's clean-up, once no other build can be writing.
mkdir -p "$MAB_ROOT/content/ingest" && echo partial >"$MAB_ROOT/content/ingest/.tmp-blob-killed"
echo '{"trunc' >"$MAB_ROOT/cache/records/.tmp-deadbeef.json-killed"
build after-kill
assert_eq "$(cat "$WORK/after-kill/seen")" three "the build after SIGKILL"
[[ -z "$(ls -A "$MAB_ROOT/content/ingest")" ]] || fail "ingest leftovers: $(ls -A "$MAB_ROOT/content/ingest")"
[[ ! -e "$MAB_ROOT/cache/records/.tmp-deadbeef.json-killed" ]] || fail "a dead writer's record temporary is left"
[[ -z "$(ls "$MAB_ROOT/tmp")" ]] || fail "work dirs left in $MAB_ROOT/tmp: $(ls "$MAB_ROOT/tmp")"

# Rootless: a non-root user's own root caches the same way.
if [[ $(id -u) -eq 0 ]] && command -v runuser >/dev/null; then
  ensure_e2e_user
  share_work_with_e2e_user
  for n in 1 2; do
    as_e2e_user "$WORK/mab" build --platform linux/amd64 --metadata-file "$WORK/out/rootless$n.json" \
      -o type=local,dest="$WORK/out/rootless$n" "$ctx" >"$WORK/rootless$n.log" 2>&1 ||
      { cat "$WORK/rootless$n.log"; fail "rootless build $n"; }
  done
  assert_eq "$(vertex_counts "$WORK/out/rootless2.json")" "0 1" "rootless second build from the cache"
fi

# --no-cache-filter: the named stage's steps, and what is built on them, run again; other
# stages still come from the cache.
multi=$(new_context multi <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
FROM base AS deps
RUN cat /proc/sys/kernel/random/uuid > /deps-id
FROM base AS other
RUN cat /proc/sys/kernel/random/uuid > /other-id
FROM base
COPY --from=deps /deps-id /deps-id
COPY --from=other /other-id /other-id
DOCKERFILE
)
busybox_rootfs "$multi/rootfs" sh cat
mab build --platform linux/amd64 -o type=local,dest="$WORK/m1" "$multi"
mab build --platform linux/amd64 --no-cache-filter DEPS --metadata-file "$WORK/m2.json" -o type=local,dest="$WORK/m2" "$multi"
[[ "$(cat "$WORK/m2/deps-id")" != "$(cat "$WORK/m1/deps-id")" ]] || fail "--no-cache-filter deps: its RUN did not run again"
assert_eq "$(cat "$WORK/m2/other-id")" "$(cat "$WORK/m1/other-id")" "--no-cache-filter leaves other stages cached"
