#!/usr/bin/env bash
# TLS is verified (issue 4): a registry whose certificate comes from a CA the system does
# not know is refused with a clear error (no silent fallback to plain HTTP, even on
# loopback); mab.yaml's `ca:` for that host makes the same build pull, and `insecure:
# true` skips verification only for the host it names.
source "$(dirname "$0")/lib.sh"
need skopeo jq
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"

start_registry_bed --tls
ca=$(jq -r .ca "$BED_DIR/ready")
bed_push_busybox "$BED_REGISTRY/tls/busybox:1" host

ctx=$(new_context ctx <<DOCKERFILE
FROM $BED_REGISTRY/tls/busybox:1
RUN uname -m > /arch
DOCKERFILE
)
mab_fails build "$ctx"
grep -iE "certificate|verif" "$WORK/last.out" >/dev/null || fail "the TLS error does not speak of the certificate"
assert_output_contains "registries: {\"$BED_REGISTRY\": {ca: /path/to/ca.pem}}"
grep -i "plain HTTP" "$WORK/last.out" | grep -iv "hint" | grep -i "using" >/dev/null && fail "fell back to plain HTTP"

printf 'registries:\n  "%s":\n    ca: %s\n' "$BED_REGISTRY" "$ca" >"$MAB_CONFIG"
mab build -o type=local,dest="$WORK/out" "$ctx"
assert_eq "$(cat "$WORK/out/arch")" x86_64 "pulled over TLS with mab.yaml's ca"

printf 'registries:\n  "other.example:5000":\n    insecure: true\n' >"$MAB_CONFIG"
MAB_ROOT="$WORK/root2" mab_fails build "$ctx"  # insecure for another host changes nothing here
printf 'registries:\n  "%s":\n    insecure: true\n' "$BED_REGISTRY" >"$MAB_CONFIG"
MAB_ROOT="$WORK/root3" mab build "$ctx"
echo ok
