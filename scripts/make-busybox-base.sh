#!/usr/bin/env bash
# Builds examples/busybox into an OCI layout directory for the given platforms,
# fetching Debian's busybox-static for each (emu/testdata/fetch-busybox.sh caches them).
# usage: make-busybox-base.sh OUT_DIR PLATFORMS   (e.g. linux/amd64,linux/arm64)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: make-busybox-base.sh OUT_DIR PLATFORMS}
platforms=${2:?usage: make-busybox-base.sh OUT_DIR PLATFORMS}
mab=${MAB:-build/cli/mab}

# OCI architecture (TARGETARCH) -> Debian architecture
declare -A debian=([amd64]=amd64 [arm64]=arm64 [arm]=armhf [ppc64le]=ppc64el [s390x]=s390x [386]=i386)
IFS=, read -ra list <<<"$platforms"
for p in "${list[@]}"; do
  arch=$(cut -d/ -f2 <<<"$p")
  [[ -n "${debian[$arch]:-}" ]] || { echo "make-busybox-base: no busybox-static for $p" >&2; exit 1; }
  bin=$(emu/testdata/fetch-busybox.sh "${debian[$arch]}")
  mkdir -p "examples/busybox/bb/$arch"
  cp "$bin" "examples/busybox/bb/$arch/busybox"
done
"$mab" build --progress=quiet --platform "$platforms" -o type=oci,dest="$out",tar=false,name=busybox:latest examples/busybox
