#!/usr/bin/env bash
# The RUN sandbox matches what Docker gives a RUN: USER's supplementary groups from the
# image's /etc/group, runc's masked and read-only /proc paths, a read-only /sys and the
# seccomp filter, natively (amd64, 386) and under qemu (arm64), as root and as a
# non-root user with subordinate ids.
source "$(dirname "$0")/lib.sh"
need_root_amd64_with_qemu

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
ARG TARGETARCH
COPY rootfs/ /
COPY bb/${TARGETARCH}/busybox /bin/busybox
RUN id -G > /groups-root
USER app
RUN id -G > /tmp/groups-app
USER 1000:1000
RUN id -G > /tmp/groups-numeric
USER root
RUN for p in /proc/kcore /proc/keys /proc/interrupts /proc/timer_list; do \
      if [ -e $p ]; then echo "$p $(cat $p | wc -c)"; fi; done > /masked; \
    echo 1 2>/sysctl-err > /proc/sys/kernel/printk_ratelimit; \
    mkdir /sys/mab-test 2>/sys-err; \
    unshare -U true 2>/unshare-err; echo $? > /unshare-status; \
    grep Seccomp: /proc/self/status > /seccomp
DOCKERFILE
)
mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/etc" "$ctx/rootfs/tmp"
for tool in sh id cat wc echo mkdir unshare grep; do ln -s busybox "$ctx/rootfs/bin/$tool"; done
chmod 1777 "$ctx/rootfs/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/tmp:/bin/sh\n' >"$ctx/rootfs/etc/passwd"
printf 'root:x:0:\nwheel:x:10:root\nstaff:x:50:app,other\napp:x:1000:\n' >"$ctx/rootfs/etc/group"
fetch_busyboxes "$ctx/bb" amd64:amd64 arm64:arm64 i386:386

user=mab-e2e
ensure_subid_user "$user"
cp "$MAB" "$WORK/mab" && chmod 755 "$WORK/mab"
mkdir -p "$WORK/root-out" "$WORK/user-out" && chmod 777 "$WORK/user-out"
chmod -R a+rX "$WORK"

platforms=linux/amd64,linux/arm64,linux/386
mab build --platform "$platforms" -o type=local,dest="$WORK/root-out" "$ctx"
runuser -u "$user" -- env -u MAB_ROOT XDG_DATA_HOME="$(user_data_home)" HOME="$(getent passwd "$user" | cut -d: -f6)" "$WORK/mab" build \
  --platform "$platforms" -o type=local,dest="$WORK/user-out" "$ctx" >"$WORK/last.out" 2>&1 || fail "build as $user"

expected_masked=$(for p in /proc/kcore /proc/keys /proc/interrupts /proc/timer_list; do
  if [[ -e $p ]]; then echo "$p 0"; fi; done)
[[ -n $expected_masked ]] || fail "none of the masked paths exists on this kernel: the test would prove nothing"
for out in root-out user-out; do
  for dir in linux_amd64 linux_arm64 linux_386; do
    r="$WORK/$out/$dir"
    what="$out $dir"
    assert_eq "$(cat "$r/groups-root")" "0 10" "$what: id -G of root (wheel lists root)"
    assert_eq "$(cat "$r/tmp/groups-app")" "1000 50" "$what: id -G of USER app (staff lists app)"
    assert_eq "$(cat "$r/tmp/groups-numeric")" "1000" "$what: id -G of USER 1000:1000"
    assert_eq "$(cat "$r/masked")" "$expected_masked" "$what: masked /proc files read as empty"
    assert_contains "$r/sysctl-err" "Read-only file system"
    assert_contains "$r/sys-err" "Read-only file system"
    assert_eq "$(cat "$r/unshare-status")" 1 "$what: unshare -U refused"
    assert_contains "$r/unshare-err" "Operation not permitted"
    assert_eq "$(cat "$r/seccomp")" "$(printf 'Seccomp:\t2')" "$what: seccomp filter mode"
  done
done
echo ok
