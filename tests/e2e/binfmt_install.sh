#!/usr/bin/env bash
# mab binfmt --install/--uninstall manage host-wide handlers like tonistiigi/binfmt:
# entries with flags POCF and the static qemu, that really run foreign binaries;
# already-registered and unknown names reported; removal; clear errors for non-root
# users and inside a user namespace. The host's listing is the same afterwards.
# Changes the HOST's binfmt_misc: registered with is_parallel: false.
source "$(dirname "$0")/lib.sh"
need jq runuser unshare stat
[[ $(id -u) -eq 0 ]] || skip "needs root: it changes the host's binfmt_misc"
[[ "$(uname -m)" == x86_64 ]] || skip "the architectures used assume an amd64 host"
[[ -x /usr/bin/qemu-aarch64-static && -x /usr/bin/qemu-riscv64-static ]] || skip "qemu-user-static is not installed"

mounted_here=0
installed=""
restore() {
  [[ -n $installed ]] && { "$MAB" binfmt --uninstall "$installed" >/dev/null 2>&1 || true; }
  installed=""
  if [[ $mounted_here == 1 ]]; then umount "$HOST_BINFMT" && mounted_here=0; fi
}
trap 'restore; cleanup' EXIT
if ! host_binfmt_mounted; then
  mount -t binfmt_misc binfmt_misc "$HOST_BINFMT" || skip "cannot mount binfmt_misc on $HOST_BINFMT"
  mounted_here=1
fi
[[ ! -e $HOST_BINFMT/qemu-aarch64 && ! -e $HOST_BINFMT/qemu-riscv64 ]] ||
  skip "the host already has qemu-aarch64 or qemu-riscv64 registered; not touching it"
listing_before=$(host_binfmt_listing)

# The magic as hex, read from Debian's own registration file (an independent source).
debian_magic() { sed -n 's/^magic //p' "/usr/share/binfmts/qemu-$1" | sed 's/\\x//g'; }

installed=qemu-aarch64,qemu-riscv64
mab binfmt --install arm64,riscv64
assert_eq "$(cat "$WORK/last.out")" $'installing: arm64 OK\ninstalling: riscv64 OK' "install output"
for name in aarch64 riscv64; do
  entry="$HOST_BINFMT/qemu-$name"
  [[ -e $entry ]] || fail "qemu-$name was not registered"
  assert_eq "$(sed -n 1p "$entry")" enabled "qemu-$name state"
  assert_eq "$(sed -n 's/^interpreter //p' "$entry")" "/usr/bin/qemu-$name-static" "qemu-$name interpreter"
  assert_eq "$(sed -n 's/^flags: //p' "$entry")" POCF "qemu-$name flags"
  [[ -f /usr/share/binfmts/qemu-$name ]] &&
    assert_eq "$(sed -n 's/^magic //p' "$entry")" "$(debian_magic "$name")" "qemu-$name magic"
done

# The host handler runs a foreign binary outside any mab build, argv[0] preserved (P).
bb=$("$REPO_DIR/emu/testdata/fetch-busybox.sh" arm64) || skip "cannot fetch busybox-static:arm64"
ln -s "$bb" "$WORK/uname"
assert_eq "$("$WORK/uname" -m)" aarch64 "arm64 busybox through the host handler"

# Again: already registered, nothing changed, exit 0; JSON says the same.
before_again=$(host_binfmt_listing)
mab binfmt --install linux/arm64
assert_output_contains "installing: linux/arm64 qemu-aarch64 already registered (interpreter /usr/bin/qemu-aarch64-static, flags POCF)"
"$MAB" binfmt --install riscv64 --json >"$WORK/again.json" || fail "--install --json"
assert_eq "$(jq -r '.installing[0].result + " " + .installing[0].entry' "$WORK/again.json")" "unchanged qemu-riscv64" "JSON result"
assert_eq "$(jq -r '.supported | index("linux/riscv64") != null' "$WORK/again.json")" true "JSON supported list"
assert_eq "$(host_binfmt_listing)" "$before_again" "listing after installing again"

# The native platform is never sent through qemu.
mab binfmt --install amd64
assert_output_contains "installing: amd64 skipped: runs natively on this host"
[[ ! -e $HOST_BINFMT/qemu-x86_64 ]] || fail "qemu-x86_64 registered on an amd64 host"

# Bad names change nothing, not even the mount.
mab_fails binfmt --install arm64,bogus
assert_eq "$MAB_STATUS" 2 "exit status for an unknown name"
assert_output_contains 'unknown platform "bogus"'

# Non-root, and root inside a user namespace: clear errors, nothing changed.
ensure_e2e_user
share_work_with_e2e_user
if as_e2e_user "$WORK/mab" binfmt --install s390x >"$WORK/last.out" 2>&1; then fail "non-root --install succeeded"; fi
assert_output_contains "needs root"
if as_e2e_user "$WORK/mab" binfmt --uninstall arm64 >"$WORK/last.out" 2>&1; then fail "non-root --uninstall succeeded"; fi
assert_output_contains "needs root"
if unshare --user --map-root-user "$MAB" binfmt --install s390x >"$WORK/last.out" 2>&1; then
  fail "--install inside a user namespace succeeded"
fi
assert_output_contains "cannot be reached from here"
assert_eq "$(host_binfmt_listing)" "$before_again" "listing after refused changes"

# Uninstall by platform and by entry name; a second time reports it is gone.
mab binfmt --uninstall riscv64,qemu-aarch64
assert_eq "$(cat "$WORK/last.out")" $'uninstalling: qemu-riscv64 OK\nuninstalling: qemu-aarch64 OK' "uninstall output"
installed=""
[[ ! -e $HOST_BINFMT/qemu-aarch64 && ! -e $HOST_BINFMT/qemu-riscv64 ]] || fail "entries left after --uninstall"
mab binfmt --uninstall arm64
assert_output_contains "uninstalling: qemu-aarch64 qemu-aarch64 is not registered"
assert_eq "$(host_binfmt_listing)" "$listing_before" "the host's binfmt_misc after the test"
restore
echo ok
