#!/usr/bin/env bash
# Parallel stages, mab beside buildah in one run: bench/cases/parallel-4 (four independent
# stages of ~2 s single-core CPU work each, then COPY --from each) built with 2 steps at
# a time by both tools, and each stage built alone by mab, to an OCI archive.
#
#   bench/parallel.sh [-n RUNS] [--seconds S]
#
# As root (buildah builds rootful here). Prints the markdown for BENCHMARKS.md; results,
# raw figures and logs stay in /tmp/mab-bench-parallel-DATE-PID (printed at the end).
# Figures: mab ÷ buildah (`buildah bud --layers --jobs 2`, vfs storage, chroot
# isolation) and mab ÷ the sum of the four stages each built alone by mab.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")

runs=3
seconds=2
while (($#)); do
  case $1 in
    -n) runs=${2:?-n needs a number}; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "parallel.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "parallel.sh: -n wants a positive number, not $runs" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "parallel.sh: run as root: buildah builds rootful here" >&2; exit 1; }
for tool in buildah jq python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "parallel.sh: $tool is missing (bench/run.sh installs it)" >&2; exit 1; }
done
"$repo/scripts/setup.sh" >&2
mab=$repo/build/cli/mab
jobs=2
case=$bench/cases/parallel-4

work=/tmp/mab-bench-parallel-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$work/logs" "$work/out" "$work/store"
cleanup() { rm -rf "$work/store" "$work/out" "$work/busybox"; }
trap cleanup EXIT

# --- calibration: LOOPS shell iterations take about $seconds s on one core here --------------
loops_per_second() {
  local n=2000000 start end
  start=$(date +%s%N)
  busybox sh -c "i=0; while [ \$i -lt $n ]; do i=\$((i+1)); done"
  end=$(date +%s%N)
  echo $((n * 1000000000 / (end - start)))
}
loops=$(($(loops_per_second) * seconds))

# --- the base: the same busybox image for both tools (as bench/run.sh makes it) ---------------
platform=linux/$(dpkg --print-architecture)
MAB_ROOT=$work/store/base-build "$repo/scripts/make-busybox-base.sh" "$work/busybox" "$platform" \
  >"$work/logs/base.log" 2>&1 || { tail -n 20 "$work/logs/base.log" >&2; exit 1; }
buildah_vfs() { buildah --storage-driver vfs --root "$work/store/buildah/root" --runroot "$work/store/buildah/run" "$@"; }
buildah_vfs pull -q "oci:$work/busybox:latest" >"$work/logs/pull.log" 2>&1 || { tail -n 20 "$work/logs/pull.log" >&2; exit 1; }
buildah_vfs tag "$(tail -n1 "$work/logs/pull.log")" docker.io/library/busybox:latest

# --- one build: TOOL (mab, mab-j1: one step at a time, buildah, or mab-sN for stage N alone); ---
# --- timed into RESULT if given ----------------------------------------------------------------
build() {
  local tool=$1 result=${2:-} out=$work/out/$1.tar
  local timer=() cmd
  [[ -n $result ]] && timer=("$bench/timed.sh" "$result" --)
  rm -f "$out"
  case $tool in
    mab | mab-j1)
      local n=$jobs
      [[ $tool == mab-j1 ]] && n=1
      cmd=("$mab" --root "$work/store/mab" build --progress=quiet --no-cache --max-parallelism "$n"
        --build-context "busybox=oci-layout://$work/busybox:latest" --build-arg "LOOPS=$loops"
        -o "type=oci,dest=$out" "$case") ;;
    mab-s*)
      cmd=("$mab" --root "$work/store/mab" build --progress=quiet --no-cache --max-parallelism "$jobs" --target "${tool#mab-}"
        --build-context "busybox=oci-layout://$work/busybox:latest" --build-arg "LOOPS=$loops"
        -o "type=oci,dest=$out" "$case") ;;
    buildah)
      cmd=(buildah --storage-driver vfs --root "$work/store/buildah/root" --runroot "$work/store/buildah/run"
        bud -q --layers --no-cache --jobs "$jobs" --isolation chroot --pull=never --disable-compression=false
        --build-arg "LOOPS=$loops" -t "oci-archive:$out" "$case") ;;
  esac
  if ! "${timer[@]}" "${cmd[@]}" >>"$work/logs/$tool.log" 2>&1; then
    echo "parallel.sh: $tool failed; last lines of $work/logs/$tool.log:" >&2
    tail -n 20 "$work/logs/$tool.log" >&2
    exit 1
  fi
  # Untimed: drop buildah's intermediate images so its store holds only the base again.
  [[ $tool != buildah ]] || buildah_vfs rmi --prune >>"$work/logs/$tool.log" 2>&1
}

tools=(mab buildah mab-j1 mab-s1 mab-s2 mab-s3 mab-s4)
results=$work/results.tsv
: >"$results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "parallel.sh: LOOPS=$loops (~${seconds}s each); warm-up, then $runs rounds of ${tools[*]}" >&2
for tool in mab buildah; do build "$tool"; done
for ((rep = 1; rep <= runs; rep++)); do
  for ((i = 0; i < ${#tools[@]}; i++)); do
    tool=${tools[(rep + i) % ${#tools[@]}]}  # rotate, so no tool always runs first
    one=$work/one.tsv
    : >"$one"
    build "$tool" "$one"
    printf '%s\t%s\t%s\n' "$tool" "$rep" "$(cat "$one")" >>"$results"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), $runs rounds after one warm-up, tools alternating; $jobs steps at a time."
  echo
  echo "- machine: $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -n1)), Linux $(uname -r)"
  echo "- load average (1, 5, 15 min) before: $load_before, after: $load_after"
  echo "- mab $("$mab" version | sed -n 's/^mab //p' | head -n1) (commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD || echo ', with local changes'))"
  echo "- buildah $(buildah version | sed -n 's/^Version: *//p') (vfs storage, chroot isolation, --layers --jobs $jobs)"
  echo "- each stage: LOOPS=$loops busybox shell iterations (~${seconds} s of one core, calibrated at the start)"
  echo
  python3 - "$results" <<'PY'
import statistics, sys
walls = {}
for line in open(sys.argv[1]):
    tool, _rep, wall, _rss = line.rstrip("\n").split("\t")
    walls.setdefault(tool, []).append(float(wall))
med = {tool: statistics.median(v) for tool, v in walls.items()}
stages = sum(med[f"mab-s{i}"] for i in range(1, 5))
print("| build | median wall s | min wall s |")
print("| --- | ---: | ---: |")
for tool, label in [("mab", "mab, 4 stages, --max-parallelism 2"),
                    ("buildah", "buildah bud --layers --jobs 2"),
                    ("mab-j1", "mab, 4 stages, --max-parallelism 1"),
                    ("mab-s1", "mab, stage s1 alone (--target s1)"),
                    ("mab-s2", "mab, stage s2 alone"), ("mab-s3", "mab, stage s3 alone"),
                    ("mab-s4", "mab, stage s4 alone")]:
    print(f"| {label} | {med[tool]:.2f} | {min(walls[tool]):.2f} |")
print(f"| sum of the four stages alone (medians) | {stages:.2f} | |")
print()
print(f"- mab ÷ buildah: **{med['mab'] / med['buildah']:.2f}** (target ≤ 0.35)")
print(f"- mab ÷ sum of the stages alone: **{med['mab'] / stages:.2f}** (target ≤ 0.6)")
print(f"- mab --max-parallelism 2 ÷ --max-parallelism 1: **{med['mab'] / med['mab-j1']:.2f}** (same rounds, same load)")
PY
} >"$work/results.md"
cat "$work/results.md"
echo >&2
echo "parallel.sh: results in $work/results.md, raw figures in $results, logs in $work/logs" >&2
