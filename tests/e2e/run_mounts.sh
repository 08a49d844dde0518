#!/usr/bin/env bash
# RUN --mount=type=bind|cache|tmpfs driven like a user: binds of the context (with
# .dockerignore), of a stage, of a named context and of an image in the registry bed, read-only and with writes
# discarded; cache mounts that persist to the next build, get uid/gid/mode when made,
# stay out of the image and serialise with sharing=locked (two platforms of one build,
# and two mab processes); tmpfs with a size; mount points leave no trace in a layer.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 (and linux/386, natively)"

# Every layer of an OCI archive, as a list of its paths.
layer_paths() {
  local dir
  dir=$(mktemp -d "$WORK/layers.XXXXXX")
  tar -xf "$1" -C "$dir"
  for blob in "$dir"/blobs/sha256/*; do
    if tar -tzf "$blob" >/dev/null 2>&1; then tar -tzf "$blob"; fi
  done
}

# --- bind ---------------------------------------------------------------------------
ctx=$(new_context bind <<'DOCKERFILE'
FROM scratch AS base
COPY rootfs/ /

FROM base AS tools
RUN mkdir -p /out && echo from-stage > /out/made

FROM base
RUN --mount=target=/ctx ls /ctx > /ctx-list; cat /ctx/data/a > /ctx-a
RUN --mount=target=/ctx,rw echo changed > /ctx/data/a && rm /ctx/data/b && cat /ctx/data/a > /rw-saw
RUN --mount=target=/ro-ctx touch /ro-ctx/new 2>/dev/null && echo wrote > /ro-result || echo refused > /ro-result
RUN --mount=from=tools,source=/out,target=/mnt/tools cp /mnt/tools/made /stage-file
RUN --mount=from=tools,source=/out/made,target=/one-file,rw cat /one-file > /single && echo x >> /one-file
RUN --mount=from=extra,target=/extra cat /extra/e > /named
RUN --mount=target=/deep/new/dir,source=data true
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh echo ls cat cp rm touch mkdir true
mkdir -p "$ctx/data" "$WORK/extra"
echo original >"$ctx/data/a"
echo keep >"$ctx/data/b"
echo hidden >"$ctx/data/ignored.txt"
printf 'data/ignored.txt\n' >"$ctx/.dockerignore"
echo named >"$WORK/extra/e"

mab build --platform linux/amd64 --build-context extra="$WORK/extra" -o type=oci,dest="$WORK/bind.tar" "$ctx"
root=$(unpack_platform "$WORK/bind.tar" amd64)
assert_eq "$(cat "$root/ctx-a")" original "context file through a bind"
grep -x Dockerfile "$root/ctx-list" >/dev/null || fail "the context bind lacks the Dockerfile: $(cat "$root/ctx-list")"
assert_eq "$(cat "$root/rw-saw")" changed "a rw bind is writable"
assert_eq "$(cat "$ctx/data/a")" original "a rw bind's write reached the context"
assert_eq "$(cat "$ctx/data/b")" keep "a rw bind's rm reached the context"
assert_eq "$(cat "$root/ro-result")" refused "a bind is read-only by default"
assert_eq "$(cat "$root/stage-file")" from-stage "bind from a stage"
assert_eq "$(cat "$root/single")" from-stage "bind of a single file"
assert_eq "$(cat "$root/named")" named "bind from a named context"
paths=$(layer_paths "$WORK/bind.tar")
for p in ctx ro-ctx mnt one-file extra deep; do
  if grep -E "^(\./)?$p(/|$)" <<<"$paths" >/dev/null; then fail "mount point /$p is in a layer"; fi
done
[[ ! -e "$root/deep" && ! -e "$root/mnt" && ! -e "$root/ctx" ]] || fail "mount points in the image: $(ls "$root")"

# .dockerignore applies to a context bind, as it does to COPY.
ctx2=$(host_busybox_context bind_ignore sh ls <<'DOCKERFILE'
RUN --mount=target=/c,source=data ls /c > /seen
DOCKERFILE
)
mkdir -p "$ctx2/data" && echo x >"$ctx2/data/kept" && echo y >"$ctx2/data/ignored.txt"
printf 'data/ignored.txt\n' >"$ctx2/.dockerignore"
mab build --platform linux/amd64 -o type=oci,dest="$WORK/ign.tar" "$ctx2"
root=$(unpack_platform "$WORK/ign.tar" amd64)
assert_eq "$(cat "$root/seen")" kept "context bind with .dockerignore"

# A missing source names itself.
ctx3=$(host_busybox_context bind_missing sh true <<'DOCKERFILE'
RUN --mount=target=/c,source=nope true
DOCKERFILE
)
mab_fails build --platform linux/amd64 "$ctx3"
assert_output_contains 'source "/nope" not found in the build context'
assert_output_contains "Dockerfile:3"

# A bind from an image: what no stage or named context names, pulled for the platform.
start_registry_bed
bed_push_busybox "$BED_REGISTRY/library/tools:1" host
ctx=$(host_busybox_context from_image sh cmp echo <<DOCKERFILE
RUN --mount=from=$BED_PROXY/library/tools:1,source=/bin,target=/img cmp /img/busybox /bin/busybox && echo same > /img-result
DOCKERFILE
)
mab build --platform linux/amd64 -o type=oci,dest="$WORK/img.tar" "$ctx"
assert_output_contains "[internal] load metadata for $BED_PROXY/library/tools:1"
root=$(unpack_platform "$WORK/img.tar" amd64)
assert_eq "$(cat "$root/img-result")" same "bind from an image"
[[ ! -e "$root/img" ]] || fail "an image bind's mount point is in the image"

# --- tmpfs --------------------------------------------------------------------------
ctx=$(host_busybox_context tmpfs sh echo grep dd <<'DOCKERFILE'
RUN --mount=type=tmpfs,target=/scratch,size=1m echo t > /scratch/f && grep ' /scratch ' /proc/mounts > /mounts-line
RUN --mount=type=tmpfs,target=/big,size=64k dd if=/dev/zero of=/big/f bs=1k count=128 2>/dev/null || echo full > /tmpfs-full
DOCKERFILE
)
mab build --platform linux/amd64 -o type=oci,dest="$WORK/tmpfs.tar" "$ctx"
root=$(unpack_platform "$WORK/tmpfs.tar" amd64)
grep '^tmpfs /scratch tmpfs rw,nosuid,nodev,.*size=1024k' "$root/mounts-line" >/dev/null ||
  fail "tmpfs mount: $(cat "$root/mounts-line")"
assert_eq "$(cat "$root/tmpfs-full")" full "a tmpfs's size is its limit"
[[ ! -e "$root/scratch" && ! -e "$root/big" ]] || fail "tmpfs mount points in the image"

# --- cache --------------------------------------------------------------------------
ctx=$(host_busybox_context cache sh echo cat stat touch <<'DOCKERFILE'
ARG ROUND
RUN --mount=type=cache,target=/var/cache/app echo "$ROUND" >> /var/cache/app/log && cat /var/cache/app/log > /seen
RUN --mount=type=cache,id=owned,target=/owned,uid=1000,gid=1001,mode=0700 stat -c '%a %u:%g' /owned > /owned-stat
RUN --mount=type=cache,id=app-ro,target=/ro,ro touch /ro/x 2>/dev/null && echo wrote > /ro-result || echo refused > /ro-result
RUN --mount=type=cache,id=seeded,target=/s,from=seed,source=sub echo "$ROUND" >> /s/log && cat /s/log > /seeded
DOCKERFILE
)
mkdir -p "$WORK/seed/sub" && echo seed >"$WORK/seed/sub/log"
for round in one two; do
  mab build --platform linux/amd64 --build-arg ROUND=$round --build-context seed="$WORK/seed" \
    -o type=oci,dest="$WORK/cache-$round.tar" "$ctx"
done
root=$(unpack_platform "$WORK/cache-two.tar" amd64)
assert_eq "$(cat "$root/seen" | tr '\n' ' ')" "one two " "cache contents persist to the next build"
assert_eq "$(cat "$root/seeded" | tr '\n' ' ')" "seed one two " "a cache seeded from= once, then kept"
assert_eq "$(cat "$WORK/seed/sub/log")" seed "a cache's from= source was written to"
if [[ $(id -u) -eq 0 ]]; then assert_eq "$(cat "$root/owned-stat")" "700 1000:1001" "cache dir mode and owner"; fi
assert_eq "$(cat "$root/ro-result")" refused "a ro cache mount"
[[ ! -e "$root/var/cache/app" && ! -e "$root/owned" ]] || fail "cache mount points in the image"
if layer_paths "$WORK/cache-two.tar" | grep -E '(^|/)(log|app)$' >/dev/null; then fail "cache contents in a layer"; fi
[[ -d "$MAB_ROOT/cache-mounts" ]] || fail "no cache-mounts directory under the storage root"

# sharing=locked: the classic apt cache, for two platforms of one build (linux/386 runs
# natively here) and from two mab processes at once: start/end marks never interleave.
ctx=$(host_busybox_context locked sh echo sleep <<'DOCKERFILE'
ARG TARGETARCH
ARG WHO
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    echo "start $WHO-$TARGETARCH" >> /var/cache/apt/marks && sleep 1 && \
    echo "end $WHO-$TARGETARCH" >> /var/cache/apt/marks
DOCKERFILE
)
"$MAB" build --platform linux/amd64,linux/386 --build-arg WHO=a "$ctx" >"$WORK/locked-a.out" 2>&1 &
pid_a=$!
"$MAB" build --platform linux/amd64,linux/386 --build-arg WHO=b "$ctx" >"$WORK/locked-b.out" 2>&1 &
pid_b=$!
wait "$pid_a" || { cat "$WORK/locked-a.out" >&2; fail "first locked build"; }
wait "$pid_b" || { cat "$WORK/locked-b.out" >&2; fail "second locked build"; }
marks=$(cat "$MAB_ROOT"/cache-mounts/*/data/marks)
assert_eq "$(wc -l <<<"$marks")" 8 "marks of four RUNs: $marks"
prev=""
while read -r kind who; do
  if [[ $kind == start ]]; then
    [[ -z $prev ]] || fail "RUN $who started while $prev held the locked cache: $marks"
    prev=$who
  else
    [[ $who == "$prev" ]] || fail "RUN $who ended while $prev held the locked cache: $marks"
    prev=""
  fi
done <<<"$marks"
echo ok
