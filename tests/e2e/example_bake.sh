#!/usr/bin/env bash
# examples/bake (issue 7): `mab bake` of the example's compose file, three services for
# linux/amd64 and linux/arm64 (arm64 under qemu): the shared base stage runs once per
# platform for all three, every image has its role and the same base, compose's args
# reach the worker.
source "$(dirname "$0")/lib.sh"
need jq skopeo umoci
[[ $(id -u) -eq 0 ]] || skip "fetching foreign busybox packages needs root (dpkg --add-architecture)"
[[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"

proj=$WORK/bake
cp -r "$REPO_DIR/examples/bake" "$proj"
copy_busybox "$proj" amd64:amd64 arm64:arm64
cd "$proj"
mab bake --progress=plain --metadata-file "$WORK/meta.json" \
  --set web.output=type=oci,dest="$WORK/web.tar" \
  --set api.output=type=oci,dest="$WORK/api.tar" \
  --set worker.output=type=oci,dest="$WORK/worker.tar"
# The base stage's last RUN: one step per platform (plain output may repeat a header
# when steps interleave: count distinct step numbers), each DONE once.
steps=$(grep -oE '^#[0-9]+ \[.*base 3/3\] RUN mkdir -p /etc /tmp' "$WORK/last.out" | cut -d' ' -f1 | sort -u)
assert_eq "$(wc -l <<<"$steps")" 2 "the shared base stage's RUN, once per platform for three services"
for n in $steps; do assert_eq "$(grep -c "^$n DONE" "$WORK/last.out")" 1 "step $n runs once"; done
for service in web api worker; do
  for arch in amd64 arm64; do
    root=$(unpack_platform "$WORK/$service.tar" "$arch")
    machine=$([[ $arch == amd64 ]] && echo x86_64 || echo aarch64)
    case $service in
      worker) want="worker with 8 jobs on $machine" ;;
      *) want="$service on $machine" ;;
    esac
    assert_eq "$(cat "$root/role")" "$want" "$service for $arch"
    eval "base_$arch=\${base_$arch:-$(cat "$root/base-id")}"
    assert_eq "$(cat "$root/base-id")" "$(eval echo "\$base_$arch")" "$service shares the $arch base"
  done
done
