#!/usr/bin/env bash
# A RUN that dies under qemu-user is reported as an emulator fault, distinct from the
# command failing: the message keeps buildx's first part and names the qemu binary and
# its version. The same RUN on the native platform, and an ordinary failure under qemu,
# keep the plain messages. Each failed build exits 1 and leaves nothing behind.
source "$(dirname "$0")/lib.sh"
[[ "$(uname -m)" == x86_64 ]] || skip "the native/emulated split assumes an amd64 host"
qemu=/usr/bin/qemu-aarch64-static
[[ -x $qemu ]] || skip "qemu-user-static is not installed"

# The busybox base, as run_emulated.sh builds it: FROM scratch + Debian's static busybox.
fault=$(busybox_context fault amd64:amd64 arm64:arm64 <<'DOCKERFILE'
RUN ["/bin/busybox", "sh", "-c", "kill -SEGV $$", "mab-e2e-fault-marker"]
DOCKERFILE
)
exit3=$(busybox_context exit3 arm64:arm64 <<'DOCKERFILE'
RUN ["/bin/busybox", "sh", "-c", "echo failing >&2; exit 3"]
DOCKERFILE
)

# The version is read independently here: the first line qemu prints.
qemu_version=$("$qemu" --version)
qemu_version=${qemu_version%%$'\n'*}
[[ $qemu_version == qemu-aarch64\ version\ * ]] || fail "unexpected qemu --version output: $qemu_version"

host_before=$(host_binfmt_listing)
mounts_before=$(test_mounts)

# Asserts what a failed build must not leave: output, work dirs, mounts, processes.
assert_nothing_left() {
  local what=$1 out=$2
  [[ ! -e "$out" ]] || fail "$what: output $out written by a failed build"
  assert_eq "$(ls -A "$MAB_ROOT/tmp" 2>/dev/null | wc -l)" 0 "$what: work dirs left"
  assert_eq "$(test_mounts)" "$mounts_before" "$what: mounts under the test's directories"
  local procs
  procs=$(pgrep -f mab-e2e-fault-marker || true)
  [[ -z "$procs" ]] || fail "$what: RUN processes left: $procs"
  assert_eq "$(host_binfmt_listing)" "$host_before" "$what: the host's binfmt_misc"
}

# arm64 under qemu: an emulator fault with qemu's report, binary and version.
mab_fails build --platform linux/arm64 -o type=local,dest="$WORK/out-arm64" "$fault"
assert_eq "$MAB_STATUS" 1 "exit status of the emulated fault"
assert_output_contains 'ERROR: Dockerfile:4: process "/bin/busybox sh -c kill -SEGV $$ mab-e2e-fault-marker" did not complete successfully: killed by signal 11: emulator fault: '
assert_output_contains "$qemu, $qemu_version"
assert_output_contains 'reported "qemu: uncaught target signal 11 (Segmentation fault)'
assert_output_contains "hint: the step ran under qemu-user emulation for linux/arm64"
assert_output_contains "native linux/arm64 runner"
assert_nothing_left "arm64" "$WORK/out-arm64"

# The same RUN natively: the plain signal message, no emulator named.
mab_fails build --platform linux/amd64 -o type=local,dest="$WORK/out-amd64" "$fault"
assert_eq "$MAB_STATUS" 1 "exit status of the native signal"
assert_output_contains 'ERROR: Dockerfile:4: process "/bin/busybox sh -c kill -SEGV $$ mab-e2e-fault-marker" did not complete successfully: killed by signal 11'
grep -F "emulator fault" "$WORK/last.out" >/dev/null && fail "a native RUN was called an emulator fault"
grep -F "qemu" "$WORK/last.out" >/dev/null && fail "a native RUN's error mentions qemu"
assert_nothing_left "amd64" "$WORK/out-amd64"

# An ordinary failure under qemu is the command's: the plain exit-code message.
mab_fails build --platform linux/arm64 -o type=local,dest="$WORK/out-exit3" "$exit3"
assert_eq "$MAB_STATUS" 1 "exit status of the emulated exit 3"
assert_output_contains 'did not complete successfully: exit code: 3'
assert_output_contains "failing"
grep -F "emulator fault" "$WORK/last.out" >/dev/null && fail "exit 3 under qemu was called an emulator fault"
assert_nothing_left "exit 3" "$WORK/out-exit3"
echo ok
