#!/usr/bin/env bash
# Builds a Debian bookworm (minbase) base image for PLATFORMS into an OCI layout
# directory, from Debian's packages: debootstrap makes each platform's tree (the host's
# own platform directly; a foreign one with --foreign, its second stage then run by
# mab itself under qemu-user), and mab turns the trees into one multi-platform image.
# No registry, no Docker Hub. As root (debootstrap needs it).
#
#   scripts/make-debian-base.sh OUT_DIR [PLATFORMS] [MIRROR]
#     PLATFORMS default linux/amd64; MIRROR default http://deb.debian.org/debian
set -euo pipefail
out=${1:?usage: make-debian-base.sh OUT_DIR [PLATFORMS] [MIRROR]}
platforms=${2:-linux/amd64}
mirror=${3:-http://deb.debian.org/debian}
repo=$(cd "$(dirname "$0")/.." && pwd)
mab=${MAB:-$repo/build/cli/mab}
[[ $(id -u) -eq 0 ]] || { echo "make-debian-base.sh: run as root (debootstrap)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "make-debian-base.sh: debootstrap is not installed" >&2; exit 1; }

work=$(mktemp -d /tmp/mab-debian-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
host=$(dpkg --print-architecture)
foreign=no
IFS=, read -ra list <<<"$platforms"
for platform in "${list[@]}"; do
  arch=${platform#linux/}
  arch=${arch%%/*}
  case $arch in
    amd64 | arm64 | s390x | ppc64le | 386) deb=${arch/386/i386}; deb=${deb/ppc64le/ppc64el} ;;
    arm) deb=armhf ;;
    *) echo "make-debian-base.sh: no Debian architecture for $platform" >&2; exit 1 ;;
  esac
  args=(--variant=minbase --arch="$deb")
  [[ $deb == "$host" ]] || { args+=(--foreign); foreign=yes; }
  echo "make-debian-base.sh: debootstrap $deb" >&2
  debootstrap "${args[@]}" bookworm "$work/rootfs" "$mirror" >"$work/debootstrap-$deb.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap-$deb.log" >&2; exit 1; }
  # The first stage of a foreign tree may leave /proc, /sys or /dev as symlinks; the RUN
  # sandbox mounts its own there and refuses symlinks: plain empty directories.
  for d in proc sys dev; do
    if [[ -L $work/rootfs/$d ]]; then rm "$work/rootfs/$d" && mkdir -m 0755 "$work/rootfs/$d"; fi
  done
  # Owners and modes as debootstrap made them; mab's ADD extracts the tar as it is.
  # /dev's device nodes stay out (an image's /dev is empty; the sandbox makes its own).
  tar --numeric-owner --exclude='./dev/*' -C "$work/rootfs" -cf "$work/rootfs-$arch.tar" .
  rm -rf "$work/rootfs"
done

cat >"$work/Dockerfile" <<'DOCKERFILE'
FROM scratch
ARG TARGETARCH
ADD rootfs-${TARGETARCH}.tar /
# A foreign tree holds debootstrap's second stage: it configures the packages, under qemu.
# container=lxc: debootstrap's own switch for running inside a container, where it may
# not create device nodes (the sandbox's /dev and /proc are already there).
RUN ["/bin/sh", "-c", "if [ -x /debootstrap/debootstrap ]; then container=lxc /debootstrap/debootstrap --second-stage && rm -rf /debootstrap; fi"]
RUN ["/bin/sh", "-c", "rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb /var/log/*.log"]
CMD ["bash"]
DOCKERFILE
[[ $foreign == no ]] || echo "make-debian-base.sh: second stage of the foreign trees under qemu (slow)" >&2
"$mab" build --progress=plain --platform "$platforms" -o type=oci,dest="$out",tar=false,name=debian:bookworm "$work" \
  >"$work/mab.log" 2>&1 || { tail -n 30 "$work/mab.log" >&2; exit 1; }
echo "make-debian-base.sh: $out (debian:bookworm for $platforms)" >&2
