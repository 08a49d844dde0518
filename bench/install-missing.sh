#!/usr/bin/env bash
# Installs the Debian packages a benchmark needs that are missing, then builds mab with
# scripts/setup.sh. As root.
#   bench/install-missing.sh WHO PACKAGE...     (WHO names the caller in messages)
set -euo pipefail
who=$1
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "ok installed" >/dev/null || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "$who: installing ${missing[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
"$(dirname "$0")/../scripts/setup.sh" >&2
