#!/usr/bin/env bash
# RUN on six architectures in one build, as a non-root user and as root, through qemu registered in
# mab's own binfmt_misc (issue 3): `uname -m` in each image says its machine, and the
# host's binfmt_misc is the same before and after.
source "$(dirname "$0")/lib.sh"
need jq
need_root_amd64_with_qemu

ctx=$(busybox_context ctx amd64:amd64 arm64:arm64 armhf:arm ppc64el:ppc64le s390x:s390x i386:386 <<'DOCKERFILE'
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox uname -m > /arch"]
DOCKERFILE
)
ensure_e2e_user
share_work_with_e2e_user

host_before=$(host_binfmt_listing)
as_e2e_user "$WORK/mab" build \
  --platform linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le,linux/s390x,linux/386 \
  -o type=local,dest="$WORK/out" "$ctx" >"$WORK/last.out" 2>&1 || fail "multi-arch RUN as $E2E_USER"
assert_eq "$(host_binfmt_listing)" "$host_before" "the host's binfmt_misc"

assert_eq "$(cat "$WORK/out/linux_amd64/arch")" x86_64 "amd64"
assert_eq "$(cat "$WORK/out/linux_arm64/arch")" aarch64 "arm64"
assert_eq "$(cat "$WORK/out/linux_arm_v7/arch")" armv7l "arm/v7"
assert_eq "$(cat "$WORK/out/linux_ppc64le/arch")" ppc64le "ppc64le"
assert_eq "$(cat "$WORK/out/linux_s390x/arch")" s390x "s390x"
assert_eq "$(cat "$WORK/out/linux_386/arch")" i686 "386 (native, 32-bit personality)"
grep -E "/build-[^ /]+/binfmt" /proc/self/mountinfo >/dev/null && fail "a build's binfmt_misc mount leaked into the caller"

# Real root gets its own (identity-mapped) user namespace, so the same private
# registration works on CI runners that build as root.
mab build --platform linux/arm64,linux/s390x -o type=local,dest="$WORK/root-out" "$ctx"
assert_eq "$(cat "$WORK/root-out/linux_arm64/arch")" aarch64 "arm64 as root"
assert_eq "$(cat "$WORK/root-out/linux_s390x/arch")" s390x "s390x as root"
assert_eq "$(host_binfmt_listing)" "$host_before" "the host's binfmt_misc after root's build"
# `RUN chown 1000:1000` inside the rootless build gives 1000:1000 in the image.
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
ARG TARGETARCH
COPY bb/${TARGETARCH}/busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "/bin/busybox touch /x && /bin/busybox chown 1000:1000 /x"]
DOCKERFILE
as_e2e_user "$WORK/mab" build \
  --platform linux/arm64 -o type=tar,dest="$WORK/out/chown.tar" "$ctx" >"$WORK/last.out" 2>&1 || fail "RUN chown as $E2E_USER"
assert_eq "$(tar --numeric-owner -tvf "$WORK/out/chown.tar" x | awk '{print $2}')" "1000/1000" "owner after RUN chown"
echo ok
