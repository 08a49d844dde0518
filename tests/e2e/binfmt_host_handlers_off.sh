#!/usr/bin/env bash
# Issue 3's acceptance check "host handlers switched off": with host handlers installed
# (mab binfmt --install all) and then all of them disabled (status 0), a non-root user's
# build for six platforms still runs `uname -m` on each, so only mab's private
# registration can be doing it. Afterwards the host's binfmt_misc is exactly as it was.
# Changes the HOST's binfmt_misc: registered with is_parallel: false.
source "$(dirname "$0")/lib.sh"
need jq runuser stat
[[ $(id -u) -eq 0 ]] || skip "needs root: it switches the host's binfmt_misc handlers off and on"
[[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"
[[ -x /usr/bin/qemu-aarch64-static ]] || skip "qemu-user-static is not installed"
read -r major minor _ <<<"$(uname -r | tr '.-' '  ')"
(( major > 6 || (major == 6 && minor >= 7) )) ||
  skip "Linux $(uname -r) has no private binfmt_misc (6.7+), so builds need the host's handlers"

ctx=$(busybox_context ctx amd64:amd64 arm64:arm64 armhf:arm ppc64el:ppc64le s390x:s390x i386:386 <<'DOCKERFILE'
RUN ["/bin/busybox", "--install", "-s", "/bin"]
RUN uname -m > /arch
DOCKERFILE
)
ensure_e2e_user
share_work_with_e2e_user

# Everything this test changes is put back by restore, on success and on failure.
mounted_here=0
status_before=""
installed=""
restore_handlers() {
  if [[ -n $status_before ]]; then
    if [[ $status_before == enabled ]]; then echo 1 >"$HOST_BINFMT/status"; else echo 0 >"$HOST_BINFMT/status"; fi
    status_before=""
  fi
  if [[ -n $installed ]]; then
    "$MAB" binfmt --uninstall "$installed" >"$WORK/uninstall.out" 2>&1 ||
      { echo "uninstalling $installed failed:" >&2; cat "$WORK/uninstall.out" >&2; }
    installed=""
  fi
}
restore_mount() {
  if [[ $mounted_here == 1 ]]; then umount "$HOST_BINFMT" && mounted_here=0; fi
}
trap 'restore_handlers; restore_mount; cleanup' EXIT

if ! host_binfmt_mounted; then
  mount -t binfmt_misc binfmt_misc "$HOST_BINFMT" || skip "cannot mount binfmt_misc on $HOST_BINFMT"
  mounted_here=1
fi
listing_before=$(host_binfmt_listing)
status_before=$(cat "$HOST_BINFMT/status")

# Host handlers, so that switching them off switches something off.
"$MAB" binfmt --install all --json >"$WORK/install.json" 2>"$WORK/last.out" || fail "mab binfmt --install all"
installed=$(jq -r '[.installing[] | select(.result == "OK") | .entry] | join(",")' "$WORK/install.json")
[[ -n $installed || -e $HOST_BINFMT/qemu-aarch64 ]] || fail "no host handler was installed: $(cat "$WORK/install.json")"
echo 0 >"$HOST_BINFMT/status"
assert_eq "$(cat "$HOST_BINFMT/status")" disabled "host binfmt_misc status"

# As mab-e2e: foreign platforms through mab's private registration only.
as_e2e_user "$WORK/mab" binfmt --json >"$WORK/plan.json" 2>"$WORK/last.out" || fail "mab binfmt as $E2E_USER"
assert_eq "$(jq -r '.platforms[] | select(.platform == "linux/arm64") | .how' "$WORK/plan.json")" "private qemu" \
  "how arm64 runs while the host's handlers are off"
as_e2e_user "$WORK/mab" build \
  --platform linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le,linux/s390x,linux/386 \
  -o type=local,dest="$WORK/out" "$ctx" >"$WORK/last.out" 2>&1 || fail "six-platform build as $E2E_USER"
assert_eq "$(cat "$HOST_BINFMT/status")" disabled "host status after the build"
assert_eq "$(cat "$WORK/out/linux_amd64/arch")" x86_64 "amd64"
assert_eq "$(cat "$WORK/out/linux_arm64/arch")" aarch64 "arm64"
assert_eq "$(cat "$WORK/out/linux_arm_v7/arch")" armv7l "arm/v7"
assert_eq "$(cat "$WORK/out/linux_ppc64le/arch")" ppc64le "ppc64le"
assert_eq "$(cat "$WORK/out/linux_s390x/arch")" s390x "s390x"
case "$(cat "$WORK/out/linux_386/arch")" in
  i686 | i386) ;;
  *) fail "386: expected i686 or i386, got '$(cat "$WORK/out/linux_386/arch")'" ;;
esac

restore_handlers
assert_eq "$(host_binfmt_listing)" "$listing_before" "the host's binfmt_misc after the test"
restore_mount
echo ok
