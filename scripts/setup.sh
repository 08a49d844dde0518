#!/usr/bin/env bash
# Installs what is missing (Debian 12 packages) and builds mab into ./build.
# Idempotent: a second run installs nothing and only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build
  g++ meson ninja-build pkg-config python3
  libboost-dev libboost-filesystem-dev libarchive-dev libzstd-dev zlib1g-dev libssl-dev
  libcurl4-openssl-dev rapidjson-dev libyaml-cpp-dev catch2 libfmt-dev
  # run: ADD <git url> clones with the git program
  git
  # tests: independent readers of mab's output, emulation, rootless ids
  skopeo umoci jq qemu-user-static busybox-static uidmap util-linux passwd tar gzip zstd
  # tests: the registry test bed (tests/registry/registry_bed.py)
  docker-registry apache2-utils openssl
  # tests: another tool runs what mab pushed (runc: Debian 12's crun refuses hybrid cgroups)
  buildah runc
  # tests: --load hands images to podman (a CLI without a daemon)
  podman
  # the opt-in examples suite: Debian base images made with debootstrap
  debootstrap
  # tests: the libFuzzer targets (fuzz/run.sh, the "fuzz" suite)
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run this script as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A mirror caught mid-sync fails update for one list while the others are fresh:
  # try the install anyway, it says plainly if a package cannot be had.
  apt-get update -qq || echo "setup: apt-get update reported errors; installing anyway" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Warnings are errors here as in CI: the tree must build clean.
if [[ ! -f build/build.ninja ]]; then
  meson setup build -Dwerror=true >/dev/null
fi
ninja -C build >/dev/null
echo "setup: built $(pwd)/build/cli/mab"
