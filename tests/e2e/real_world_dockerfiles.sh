#!/usr/bin/env bash
# Builds the real-world Dockerfiles that need only busybox (tests/dockerfiles/EXPECT:
# "NAME ok build:PATH") for linux/amd64 and linux/arm64 (emulated), FROM a busybox base
# mab builds from Debian's busybox-static, with tests/dockerfiles/context as the
# context; each result must hold PATH. tests/dockerfiles_test.cpp lowers all of them.
source "$(dirname "$0")/lib.sh"
[[ $(id -u) -eq 0 ]] || skip "fetching the arm64 busybox package needs root (dpkg --add-architecture)"
[[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"
ls /usr/bin/qemu-aarch64-static >/dev/null 2>&1 || skip "qemu-user-static is not installed"

platforms=linux/amd64,linux/arm64
MAB="$MAB" "$REPO_DIR/scripts/make-busybox-base.sh" "$WORK/busybox" "$platforms" >"$WORK/last.out" 2>&1 ||
  fail "make-busybox-base.sh"
dir="$REPO_DIR/tests/dockerfiles"
built=0
while read -r name outcome; do
  [[ -z "$name" || "$name" == \#* || "$outcome" != "ok build:"* ]] && continue
  path=${outcome#ok build:}
  mab build --platform "$platforms" --build-context busybox=oci-layout://"$WORK/busybox":latest \
    -f "$dir/$name.Dockerfile" -o type=local,dest="$WORK/out/$name" "$dir/context"
  for p in linux_amd64 linux_arm64; do
    [[ -e "$WORK/out/$name/$p$path" ]] || fail "$name for $p: the result has no $path"
  done
  built=$((built + 1))
done <"$dir/EXPECT"
((built >= 10)) || fail "only $built Dockerfiles are marked for building in EXPECT"

# A few results read back: the RUN saw its platform, ARG/ENV scoping, the stage chosen by ARG.
assert_eq "$(cat "$WORK/out/busybox-platform-args/linux_arm64/etc/target.txt")" \
  "$(printf 'os=linux arch=arm64 variant=none\naarch64')" "arm64 target.txt"
assert_eq "$(cat "$WORK/out/busybox-platform-args/linux_arm64/etc/plan.txt")" \
  "building on linux/amd64 for linux/arm64" "plan.txt (a BUILDPLATFORM stage)"
assert_eq "$(cat "$WORK/out/busybox-env-arg-scoping/linux_amd64/versions.txt")" \
  "$(printf '1.0.0 stable hello world\nfallback set\n/opt/app-1.0.0')" "versions.txt"
assert_eq "$(cat "$WORK/out/busybox-arg-driven-from/linux_amd64/summary")" \
  "$(printf 'flavour=minimal\nminimal')" "summary (FROM extra-\${FLAVOUR})"
assert_eq "$(cat "$WORK/out/busybox-heredocs/linux_arm64/tmp/b.txt")" "second" "<<- strips tabs"
echo "ok: built $built Dockerfiles for $platforms"
