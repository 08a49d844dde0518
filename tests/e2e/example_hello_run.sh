#!/usr/bin/env bash
# The quick start's RUN example: examples/busybox built by mab from Debian packages,
# then examples/hello-run FROM it for three platforms; each image's report names its
# platform and the machine its RUN saw.
source "$(dirname "$0")/lib.sh"
[[ $(id -u) -eq 0 ]] || skip "fetching foreign busybox packages needs root (dpkg --add-architecture)"
[[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"

platforms=linux/amd64,linux/arm64,linux/arm/v7
MAB="$MAB" "$REPO_DIR/scripts/make-busybox-base.sh" "$WORK/busybox" "$platforms" >"$WORK/last.out" 2>&1 ||
  fail "make-busybox-base.sh"
mab build --platform "$platforms" --build-context busybox=oci-layout://"$WORK/busybox":latest \
  -o type=local,dest="$WORK/out" "$REPO_DIR/examples/hello-run"
assert_eq "$(cat "$WORK/out/linux_amd64/hello/report.txt")" \
  "Hello from mab! I was built for linux/amd64 and my machine is x86_64." "amd64 report"
assert_eq "$(cat "$WORK/out/linux_arm64/hello/report.txt")" \
  "Hello from mab! I was built for linux/arm64 and my machine is aarch64." "arm64 report"
assert_eq "$(cat "$WORK/out/linux_arm_v7/hello/report.txt")" \
  "Hello from mab! I was built for linux/arm/v7 and my machine is armv7l." "arm/v7 report"
[[ -L "$WORK/out/linux_arm64/bin/ls" ]] || fail "busybox --install did not run in the arm64 base"
echo ok
