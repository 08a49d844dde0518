#!/bin/sh
# Fetches Debian's busybox-static for one Debian architecture and prints the path of its
# bin/busybox. Idempotent: the extracted binary is cached in $MAB_BUSYBOX_CACHE (default
# /var/cache/mab-test/busybox)/<arch>/. Needs apt; as root it adds the foreign
# architecture to dpkg and runs apt-get update once. Exit 2 = could not fetch (skip).
set -eu
arch=${1:?usage: fetch-busybox.sh DEBIAN_ARCH}
cache=${MAB_BUSYBOX_CACHE:-/var/cache/mab-test/busybox}
out="$cache/$arch/bin/busybox"
if [ -x "$out" ]; then echo "$out"; exit 0; fi
mkdir -p "$cache/$arch" 2>/dev/null || { echo "cannot create $cache/$arch" >&2; exit 2; }
# Tests run in parallel and may fetch at once: dpkg and apt must not race (apt's lock
# would make the second fetch fail), so one fetch at a time.
if [ -z "${MAB_BUSYBOX_LOCKED:-}" ] && command -v flock >/dev/null; then
    MAB_BUSYBOX_LOCKED=1 exec flock "$cache/.lock" "$0" "$@"
fi
if [ -x "$out" ]; then echo "$out"; exit 0; fi
native=$(dpkg --print-architecture)
if [ "$arch" != "$native" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    if [ "$(id -u)" != 0 ]; then echo "dpkg does not know architecture $arch (run as root once)" >&2; exit 2; fi
    dpkg --add-architecture "$arch"
    apt-get update -qq >&2 || echo "apt-get update reported errors; trying the download anyway" >&2
fi
work=$(mktemp -d "$cache/$arch.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download -qq "busybox-static:$arch" >&2); then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2 || true; fi
    (cd "$work" && apt-get download -qq "busybox-static:$arch" >&2) || { echo "apt-get download busybox-static:$arch failed" >&2; exit 2; }
fi
dpkg-deb -x "$work"/busybox-static_*.deb "$work/root"
mkdir -p "$cache/$arch/bin"
cp "$work/root/bin/busybox" "$out.tmp" && mv "$out.tmp" "$out"
echo "$out"
