#!/usr/bin/env bash
# Independent stages run at the same time, bounded by --max-parallelism (or mab.yaml's
# max-parallelism), and a stage shared by every platform of a build runs once.
# Each stage's RUN records when it started and ended (/proc/uptime, in centiseconds:
# busybox's date has no %N) and sleeps in between; the final stage collects them.
# Every build passes --no-cache: a cache hit would copy an earlier build's intervals.
source "$(dirname "$0")/lib.sh"
need jq
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /

FROM base AS s1
RUN s=$(cut -d' ' -f1 /proc/uptime); sleep 2; echo "s1 $s $(cut -d' ' -f1 /proc/uptime)" > /interval
FROM base AS s2
RUN s=$(cut -d' ' -f1 /proc/uptime); sleep 2; echo "s2 $s $(cut -d' ' -f1 /proc/uptime)" > /interval
FROM base AS s3
RUN s=$(cut -d' ' -f1 /proc/uptime); sleep 2; echo "s3 $s $(cut -d' ' -f1 /proc/uptime)" > /interval
FROM base AS s4
RUN s=$(cut -d' ' -f1 /proc/uptime); sleep 2; echo "s4 $s $(cut -d' ' -f1 /proc/uptime)" > /interval

FROM scratch
COPY --from=s1 /interval /s1
COPY --from=s2 /interval /s2
COPY --from=s3 /interval /s3
COPY --from=s4 /interval /s4
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh cut sleep echo

# How many pairs of the four stages' intervals overlap (start < other's end and the
# other way round), from the files a build wrote to DIR.
overlapping_pairs() {
  local dir=$1
  cat "$dir"/s1 "$dir"/s2 "$dir"/s3 "$dir"/s4 | tr -d . | awk '
    { name[NR] = $1; start[NR] = $2 + 0; end[NR] = $3 + 0 }
    END {
      if (NR != 4) { print "bad"; exit }
      n = 0
      for (i = 1; i <= 4; i++) for (j = i + 1; j <= 4; j++)
        if (start[i] < end[j] && start[j] < end[i]) n++
      print n
    }'
}
# The largest number of intervals open at one time.
most_at_once() {
  local dir=$1
  cat "$dir"/s1 "$dir"/s2 "$dir"/s3 "$dir"/s4 | tr -d . |
    awk '{ print $2, 1; print $3, -1 }' | sort -k1,1n -k2,2n |
    awk '{ open += $2; if (open > most) most = open } END { print most }'
}

# Two at a time: the four stages cannot all run one after another.
mab build --no-cache --max-parallelism 2 -o type=local,dest="$WORK/two" "$ctx"
pairs=$(overlapping_pairs "$WORK/two")
[[ $pairs != bad && $pairs -ge 1 ]] || fail "--max-parallelism 2: no two stages overlapped: $(cat "$WORK"/two/s*)"
assert_eq "$(most_at_once "$WORK/two")" 2 "--max-parallelism 2: most stages running at once"

# One at a time: no overlap at all.
mab build --no-cache --max-parallelism 1 -o type=local,dest="$WORK/one" "$ctx"
assert_eq "$(overlapping_pairs "$WORK/one")" 0 "--max-parallelism 1: overlapping stage pairs"

# mab.yaml's max-parallelism is the default; the flag wins over it; a bad value names the line.
printf 'max-parallelism: 1\n' >"$MAB_CONFIG"
mab build --no-cache -o type=local,dest="$WORK/cfg-one" "$ctx"
assert_eq "$(overlapping_pairs "$WORK/cfg-one")" 0 "mab.yaml max-parallelism: 1: overlapping stage pairs"
mab build --no-cache --max-parallelism 4 -o type=local,dest="$WORK/cfg-four" "$ctx"
[[ $(most_at_once "$WORK/cfg-four") -ge 2 ]] || fail "--max-parallelism 4 over mab.yaml's 1: no overlap"
printf 'snapshotter: auto\nmax-parallelism: many\n' >"$MAB_CONFIG"
mab_fails build -o type=local,dest="$WORK/bad" "$ctx"
assert_output_contains "invalid max-parallelism \"many\" ($MAB_CONFIG:2): expected a number from 1 to 1024"
rm -f "$MAB_CONFIG"
mab_fails build --max-parallelism 0 "$ctx"
assert_output_contains "invalid max-parallelism \"0\" (--max-parallelism)"

# A failing stage stops the build with its own error and Dockerfile line, even while
# its siblings run (they are cancelled, not waited for to the end).
bad=$(new_context bad <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /
FROM base AS slow
RUN sleep 30
FROM base AS broken
RUN sleep 1; exit 3
FROM scratch
COPY --from=slow /bin/sh /a
COPY --from=broken /bin/sh /b
DOCKERFILE
)
busybox_rootfs "$bad/rootfs" sh sleep
start=$(date +%s)
mab_fails build --no-cache --max-parallelism 2 "$bad"
elapsed=$(($(date +%s) - start))
assert_output_contains "did not complete successfully: exit code: 3"
assert_output_contains "Dockerfile:6"
assert_output_contains "cancelled: another step failed"
((elapsed < 25)) || fail "the failing build took ${elapsed}s: the running 'sleep 30' was waited for"

# Several platforms: the stage every platform takes from the build platform
# (FROM --platform=$BUILDPLATFORM) runs once; each platform's own COPY runs once each.
multi=$(new_context multi <<'DOCKERFILE'
FROM --platform=$BUILDPLATFORM scratch AS gen
COPY rootfs/ /
RUN echo "generated once" && echo generated > /gen

FROM scratch
ARG TARGETARCH
COPY --from=gen /gen /gen-${TARGETARCH}
DOCKERFILE
)
busybox_rootfs "$multi/rootfs" sh echo
mab build --no-cache --platform linux/amd64,linux/arm64,linux/riscv64 --metadata-file "$WORK/multi.json" \
  -o type=local,dest="$WORK/multi" "$multi"
# gen's COPY and RUN once, three COPY --from; the other two platforms find gen's RUN done.
assert_eq "$(jq -r '."mab.vertices.executed"' "$WORK/multi.json")" 5 "vertices executed"
assert_eq "$(jq -r '."mab.vertices.cached"' "$WORK/multi.json")" 2 "vertices answered from earlier work"
# (A RUN's output line: "#N [seconds ]text".)
assert_eq "$(grep -cE '^#[0-9]+ ([0-9.]+ )?generated once$' "$WORK/last.out")" 1 "the shared RUN's output lines"
for arch in amd64 arm64 riscv64; do
  assert_eq "$(cat "$WORK/multi/linux_$arch/gen-$arch")" generated "linux/$arch's copy of gen"
done

# Two emulated RUNs of one platform starting together: qemu is set up once, under the
# emulation setup's lock, and both run under it.
if [[ $(uname -m) == x86_64 && -x /usr/bin/qemu-aarch64-static ]]; then
  emu=$(new_context emu <<'DOCKERFILE'
FROM scratch AS base
ARG TARGETARCH
COPY bb/${TARGETARCH}/busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
FROM base AS x
RUN uname -m > /m && sleep 1
FROM base AS y
RUN sleep 1 && uname -m > /m
FROM scratch
COPY --from=x /m /x
COPY --from=y /m /y
DOCKERFILE
)
  copy_busybox "$emu" arm64:arm64
  mab build --platform linux/arm64 --max-parallelism 2 -o type=local,dest="$WORK/emu" "$emu"
  assert_eq "$(cat "$WORK/emu/x") $(cat "$WORK/emu/y")" "aarch64 aarch64" "uname -m of both emulated stages"
fi

# As the non-root user (root only): the same parallel build in its own user namespace.
if [[ $(id -u) -eq 0 ]]; then
  ensure_e2e_user
  share_work_with_e2e_user
  as_e2e_user "$WORK/mab" build --no-cache --max-parallelism 2 -o type=local,dest="$WORK/out/two" "$ctx" \
    >"$WORK/last.out" 2>&1 || fail "build as $E2E_USER"
  pairs=$(overlapping_pairs "$WORK/out/two")
  [[ $pairs != bad && $pairs -ge 1 ]] || fail "as $E2E_USER, --max-parallelism 2: no two stages overlapped"
  assert_eq "$(most_at_once "$WORK/out/two")" 2 "as $E2E_USER: most stages running at once"
fi
