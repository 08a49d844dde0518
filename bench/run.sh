#!/usr/bin/env bash
# mab against buildah, side by side in one run: a trivial `RUN true` build (and five of
# them) from the same busybox base, natively and under qemu-user, to an OCI archive.
# See bench/README.md for what is measured and why; BENCHMARKS.md holds the results.
#
#   bench/run.sh [-n RUNS] [--platforms LIST] [--keep]
#
# As root: installs what is missing (buildah, runc, GNU time, qemu-user-static, skopeo,
# jq), builds mab with scripts/setup.sh, then prints the markdown for BENCHMARKS.md.
# Results, raw numbers and logs stay in /tmp/mab-bench-DATE-PID (printed at the end).
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")

runs=5
platforms=linux/amd64,linux/arm64
keep=no
while (($#)); do
  case $1 in
    -n) runs=${2:?-n needs a number}; shift 2 ;;
    --platforms) platforms=${2:?--platforms needs a list}; shift 2 ;;
    --keep) keep=yes; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: -n wants a positive number, not $runs" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || {
  echo "run.sh: run as root: buildah builds rootful here, and its emulated case needs the host's binfmt_misc" >&2
  exit 1
}

# --- what the run needs ----------------------------------------------------------------
# runc, not crun: Debian 12's crun 1.8.1 refuses hosts with cgroup v1 and v2 mounted
# together ("cgroups in hybrid mode not supported"); runc works on both layouts.
"$bench/install-missing.sh" run.sh buildah runc time qemu-user-static skopeo jq python3
mab=$repo/build/cli/mab

# Lower case only: buildah names the imported base after its path, and image names are
# lower case.
work=/tmp/mab-bench-$(date +%Y%m%d-%H%M%S)-$$
mkdir "$work"
mkdir -p "$work/logs" "$work/out" "$work/store"
cleanup() {
  # buildah's overlay storage leaves a bind mount of its own directory; nothing else
  # of ours is mounted on the host (the binfmt helper works in its own namespace).
  local m
  while read -r m; do umount -l "$m" || true; done < <(awk -v w="$work/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  rm -f "$work/one.tsv"
  if [[ $keep == no ]]; then rm -rf "$work/store" "$work/out" "$work/busybox"; fi
}
trap cleanup EXIT

# OCI architecture -> the qemu name in mab's arch table (emu/arch_table.cpp).
qemu_name() {
  grep -E "^\s*\{\"$1\", \"[^\"]*\", \"" "$repo/emu/arch_table.cpp" | head -n1 | cut -d'"' -f6
}
host_arch=$(qemu_name "$(dpkg --print-architecture)")

# --- the base image ----------------------------------------------------------------------
# One OCI layout with both platforms, built by mab from Debian's busybox-static. mab reads
# it at build time (--build-context, which is its only way to get a base: the blobs are
# imported into its content store by the first build and reused after). buildah gets it
# in its store beforehand (buildah pull oci:DIR:latest, untimed) and finds it by name.
echo "run.sh: making the busybox base for $platforms" >&2
MAB_ROOT=$work/store/base-build "$repo/scripts/make-busybox-base.sh" "$work/busybox" "$platforms" >"$work/logs/base.log" 2>&1 ||
  { tail -n 20 "$work/logs/base.log" >&2; exit 1; }

buildah_in() { buildah --root "$work/store/buildah-$1/root" --runroot "$work/store/buildah-$1/run" "${@:2}"; }
IFS=, read -ra platform_list <<<"$platforms"
for p in "${platform_list[@]}"; do
  arch=${p#linux/}
  arch=${arch%%/*}
  buildah_in "$arch" pull -q --platform "$p" "oci:$work/busybox:latest" >"$work/logs/pull-$arch.log" 2>&1 ||
    { tail -n 20 "$work/logs/pull-$arch.log" >&2; exit 1; }
  buildah_in "$arch" tag "$(tail -n1 "$work/logs/pull-$arch.log")" docker.io/library/busybox:latest
done

# --- one build ---------------------------------------------------------------------------
# Runs TOOL for PLATFORM and CASE; with a RESULT file, times it and appends the figures.
# Every build writes a gzip-compressed OCI archive and reuses no earlier build's steps:
# mab keeps no build cache; buildah gets --no-cache (with --layers) or --layers=false.
build() {
  local tool=$1 platform=$2 case=$3 result=${4:-}
  local arch=${platform#linux/}
  arch=${arch%%/*}
  local out=$work/out/$tool.tar log=$work/logs/$platform_tag-$case-$tool.log
  local wrap=() timer=()
  [[ -n $result ]] && timer=("$bench/timed.sh" "$result" --)
  rm -f "$out"
  local cmd
  case $tool in
    mab)
      cmd=("$mab" --root "$work/store/mab" build --progress=quiet --platform "$platform"
        --build-context "busybox=oci-layout://$work/busybox:latest"
        -o "type=oci,dest=$out" "$bench/cases/$case") ;;
    buildah-layers | buildah)
      local layers=--layers=false
      [[ $tool == buildah-layers ]] && layers="--layers --no-cache"
      # Emulated: qemu registered on the host only around this one command.
      [[ $(qemu_name "$arch") != "$host_arch" ]] && wrap=("$bench/host-binfmt.sh" "$(qemu_name "$arch")" --)
      # shellcheck disable=SC2206 # $layers is one or two flags
      cmd=(buildah --root "$work/store/buildah-$arch/root" --runroot "$work/store/buildah-$arch/run"
        build -q --runtime runc --pull=never $layers --disable-compression=false
        --platform "$platform" -t "oci-archive:$out" "$bench/cases/$case") ;;
  esac
  if ! "${wrap[@]}" "${timer[@]}" "${cmd[@]}" >>"$log" 2>&1; then
    echo "run.sh: $tool failed for $platform $case; last lines of $log:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  # Untimed: drop buildah's intermediate images so the store holds only the base again.
  [[ $tool == mab ]] || buildah_in "$arch" rmi --prune >>"$log" 2>&1
}

# The warm-up's archives must be the images we mean to compare: the right architecture,
# and the layers each tool should have made: buildah --layers adds one (empty) layer per
# RUN and buildah without --layers squashes the build's steps into one; mab, like
# BuildKit, adds none for a RUN that changes nothing.
check_outputs() {
  local platform=$1 case=$2 arch=${1#linux/}
  arch=${arch%%/*}
  local steps=${case#run-}
  local base_layers tool want got
  base_layers=$(skopeo --override-arch "$arch" inspect "oci:$work/busybox:latest" | jq '.Layers | length')
  for tool in mab buildah-layers buildah; do
    case $tool in
      mab) want=$base_layers ;;
      buildah-layers) want=$((base_layers + steps)) ;;
      buildah) want=$((base_layers + 1)) ;;
    esac
    got=$(skopeo --override-arch "$arch" inspect "oci-archive:$work/out/$tool.tar" | jq -r '"\(.Architecture) \(.Layers | length)"')
    [[ $got == "$arch $want" ]] ||
      { echo "run.sh: $tool's $platform $case image is '$got' (architecture, layers), expected '$arch $want'" >&2; exit 1; }
  done
}

tools=(mab buildah-layers buildah)
results=$work/results.tsv
: >"$results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for platform in "${platform_list[@]}"; do
  arch=${platform#linux/}
  arch=${arch%%/*}
  platform_tag=${platform//\//-}
  mode=native
  [[ $(qemu_name "$arch") == "$host_arch" ]] || mode=qemu
  for case in run-1 run-5; do
    echo "run.sh: $platform ($mode) $case: warm-up, then $runs runs per tool" >&2
    for tool in "${tools[@]}"; do build "$tool" "$platform" "$case"; done
    check_outputs "$platform" "$case"
    for ((rep = 1; rep <= runs; rep++)); do
      # Rotate the order each round so no tool always runs first (or after another's
      # page-cache and CPU-frequency effects).
      for ((i = 0; i < ${#tools[@]}; i++)); do
        tool=${tools[(rep + i) % ${#tools[@]}]}
        one=$work/one.tsv
        : >"$one"
        build "$tool" "$platform" "$case" "$one"
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$platform" "$mode" "$case" "$tool" "$rep" "$(cat "$one")" >>"$results"
      done
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report --------------------------------------------------------------------------
mab_emulation() {
  local p
  for p in "${platform_list[@]}"; do
    "$mab" binfmt --json | jq -r --arg p "$p" '.platforms[] | select(.platform == $p) | "\(.platform) \(.how)"'
  done | paste -sd, | sed 's/,/, /g'
}
# mab's snapshots are full copies (one file creation per entry), buildah's are overlay
# mounts: how fast this file system creates files says much about the run-5 figures.
create_cost() {
  python3 - "$work" <<'PY'
import os, sys, tempfile, time
with tempfile.TemporaryDirectory(dir=sys.argv[1]) as d:
    start = time.perf_counter()
    for i in range(500):
        os.symlink("busybox", os.path.join(d, str(i)))
    print(f"{(time.perf_counter() - start) / 500 * 1e6:.0f}")
PY
}
host_handlers=
for h in /proc/sys/fs/binfmt_misc/*; do
  [[ -e $h && ${h##*/} != register && ${h##*/} != status ]] && host_handlers+="${h##*/} "
done
{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), $runs builds per tool and case after one warm-up, tools alternating."
  echo
  echo "- machine: $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -n1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, Linux $(uname -r), Debian $(cat /etc/debian_version)"
  echo "- load average (1, 5, 15 min) before: $load_before, after: $load_after"
  echo "- mab $("$mab" version | sed -n 's/^mab //p' | head -n1) (commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD || echo ', with local changes'), meson buildtype $(meson introspect --buildoptions "$repo/build" | jq -r '.[] | select(.name == "buildtype") | .value'))"
  echo "- buildah $(buildah version | sed -n 's/^Version: *//p') ($(buildah_in "$arch" info | jq -r '.store.GraphDriverName') storage, runtime $(runc --version | head -n1))"
  echo "- $(qemu-aarch64-static --version | head -n1)"
  echo "- file system of the run: $(df --output=fstype "$work" | tail -n1); creating one symlink there takes $(create_cost) µs (mean of 500)"
  echo "- mab's RUN for each platform: $(mab_emulation); the host's binfmt_misc handlers outside buildah's emulated builds: ${host_handlers:-none}"
  echo
  python3 "$bench/summarize.py" "$results" "$runs"
} >"$work/results.md"
cat "$work/results.md"
echo >&2
echo "run.sh: results in $work/results.md, raw figures in $results, logs in $work/logs" >&2
