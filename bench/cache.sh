#!/usr/bin/env bash
# mab against buildah on the cache, multi-platform and export targets, side by side in
# one run (bench/run.sh measures single uncached steps). Five cases, each timed for both
# tools, tools alternating, medians of N runs; see bench/README.md ("cache.sh").
#
#   bench/cache.sh [-n RUNS] [--cross-runs RUNS] [--quick] [--keep]
#                  [--cases rebuild,4stage,context,crossplatform,export]
#
# buildah: `buildah build --layers --jobs 2 --isolation chroot`, vfs storage, its own
# cache allowed where the case is a rebuild. --cross-runs (default 2) counts the
# crossplatform case's runs apart: buildah takes 3-5 minutes a build there. --quick
# shrinks the CPU steps and the context tenfold (to try the script, not for figures).
# As root; prints the markdown for BENCHMARKS.md and leaves it, raw figures and logs in
# /tmp/mab-cache-bench-DATE-PID.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")

runs=3
cross_runs=2
cases=rebuild,4stage,context,crossplatform,export
quick=no
keep=no
while (($#)); do
  case $1 in
    -n) runs=${2:?-n needs a number}; shift 2 ;;
    --cross-runs) cross_runs=${2:?--cross-runs needs a number}; shift 2 ;;
    --cases) cases=${2:?--cases needs a list}; shift 2 ;;
    --quick) quick=yes; shift ;;
    --keep) keep=yes; shift ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "cache.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $cross_runs =~ ^[1-9][0-9]*$ ]] ||
  { echo "cache.sh: -n and --cross-runs want positive numbers, not $runs and $cross_runs" >&2; exit 2; }
[[ $(id -u) -eq 0 ]] || { echo "cache.sh: run as root (buildah builds rootful here and needs the host's binfmt_misc)" >&2; exit 1; }

# CPU steps: busybox shell-loop iterations; ~0.9 M per second of one core natively here.
iter_2s=1800000 iter_3s=2700000 ctx_files=20000 ctx_mb=200
[[ $quick == yes ]] && { iter_2s=180000 iter_3s=270000 ctx_files=2000 ctx_mb=20; }

"$bench/install-missing.sh" cache.sh buildah time qemu-user-static skopeo jq python3
mab=$repo/build/cli/mab

work=/tmp/mab-cache-bench-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$work/logs" "$work/out" "$work/store"
cleanup() {
  local m
  while read -r m; do umount -l "$m" || true; done < <(awk -v w="$work/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  if [[ $keep == no ]]; then rm -rf "$work/store" "$work/out" "$work/busybox" "$work/ctx"; fi
}
trap cleanup EXIT
fail() { echo "cache.sh: $*" >&2; exit 1; }

results=$work/results.tsv # case, tool, phase, run, wall seconds, max RSS KiB
facts=$work/facts.tsv     # key, value: checks and side figures for the report
: >"$results"
: >"$facts"
fact() { printf '%s\t%s\n' "$1" "$2" >>"$facts"; }

# timed CASE TOOL PHASE RUN LOG -- COMMAND...: runs it, appends the figures, keeps its output.
timed() {
  local case=$1 tool=$2 phase=$3 run=$4 log=$5 one=$work/one.tsv
  shift 6
  : >"$one"
  if ! "$bench/timed.sh" "$one" -- "$@" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    fail "$tool failed in $case $phase (run $run); log: $log"
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$case" "$tool" "$phase" "$run" "$(cat "$one")" >>"$results"
}

# --- the base, in both tools ---------------------------------------------------------------
# mab reads the multi-arch layout at build time; buildah gets each platform's image in its
# store (untimed) and a manifest list named busybox over them, which is how it finds the
# right platform's base for `FROM busybox` in a multi-platform build.
platforms=linux/amd64,linux/arm64,linux/arm/v7,linux/ppc64le
echo "cache.sh: making the busybox base for $platforms" >&2
MAB_ROOT=$work/store/base-build "$repo/scripts/make-busybox-base.sh" "$work/busybox" "$platforms" >"$work/logs/base.log" 2>&1 ||
  { tail -n 20 "$work/logs/base.log" >&2; exit 1; }
base_ctx=(--build-context "busybox=oci-layout://$work/busybox:latest")

bah_store() { echo "--root $work/store/buildah-$1/root --runroot $work/store/buildah-$1/run --storage-driver vfs"; }
# shellcheck disable=SC2046 # the store flags are words
bah() { local s=$1; shift; buildah $(bah_store "$s") "$@"; }
buildah_build=(build --layers --jobs 2 --isolation chroot --pull=never)
seed_buildah() {
  local store=$1 ids=() p
  IFS=, read -ra list <<<"$platforms"
  for p in "${list[@]}"; do
    ids+=("$(bah "$store" pull -q --platform "$p" "oci:$work/busybox:latest" 2>>"$work/logs/pull.log" | tail -n1)")
  done
  bah "$store" manifest create docker.io/library/busybox:latest >>"$work/logs/pull.log"
  for p in "${!ids[@]}"; do
    bah "$store" manifest add docker.io/library/busybox:latest "containers-storage:${ids[p]}" >>"$work/logs/pull.log"
    # A name of their own keeps the bases when `rmi --prune` drops a build's images.
    bah "$store" tag "${ids[p]}" "localhost/busybox-base-$p"
  done
}
wipe_buildah() { rm -rf "$work/store/buildah-$1"; }

mab_root() { echo "$work/store/mab-$1"; }
meta() { jq -r ".\"$2\"" "$1"; }
order() { if (($1 % 2)); then echo mab buildah; else echo buildah mab; fi; } # alternate who goes first

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start_time=$(date +%s)

# --- 1. rebuild after a change: expensive RUN, COPY of a changed file, cheap RUN -------------
case_rebuild() {
  local ctx=$work/ctx/rebuild tool run log id
  mkdir -p "$ctx"
  cp "$bench/cases/cache-rebuild/Dockerfile" "$ctx/"
  echo "first" >"$ctx/changing.txt"
  local args=(--build-arg "ITERATIONS=$iter_2s")
  echo "cache.sh: rebuild: cold builds (untimed), then $runs rebuilds per tool after a change" >&2
  "$mab" --root "$(mab_root rebuild)" build --progress=quiet "${base_ctx[@]}" "${args[@]}" "$ctx" >"$work/logs/rebuild-mab-cold.log" 2>&1 ||
    fail "mab's cold build failed (see $work/logs/rebuild-mab-cold.log)"
  seed_buildah rebuild
  bah rebuild "${buildah_build[@]}" "${args[@]}" -t rebuild "$ctx" >"$work/logs/rebuild-buildah-cold.log" 2>&1 ||
    fail "buildah's cold build failed (see $work/logs/rebuild-buildah-cold.log)"
  for ((run = 1; run <= runs; run++)); do
    for tool in $(order "$run"); do
      echo "$tool $run $(date +%s%N)" >"$ctx/changing.txt"
      log=$work/logs/rebuild-$tool-$run.log
      if [[ $tool == mab ]]; then
        timed rebuild mab rebuild "$run" "$log" -- "$mab" --root "$(mab_root rebuild)" build --progress=quiet \
          --metadata-file "$work/out/meta.json" "${base_ctx[@]}" "${args[@]}" "$ctx"
        # The COPY and the cheap RUN run again, the expensive RUN is a cache hit.
        [[ $(meta "$work/out/meta.json" mab.vertices.executed) == 2 ]] ||
          fail "mab's rebuild $run executed $(meta "$work/out/meta.json" mab.vertices.executed) steps, expected 2 (COPY, cheap RUN)"
      else
        timed rebuild buildah rebuild "$run" "$log" -- buildah $(bah_store rebuild) "${buildah_build[@]}" "${args[@]}" -t rebuild "$ctx"
        # buildah prints "--> Using cache ID" under each step it reuses: only the expensive RUN.
        [[ $(grep -A1 'STEP [0-9/]*: RUN i=0' "$log" | grep -c 'Using cache') == 1 &&
          $(grep -A1 'STEP [0-9/]*: COPY' "$log" | grep -c 'Using cache') == 0 ]] ||
          fail "buildah's rebuild $run did not reuse exactly the expensive RUN (see $log)"
      fi
    done
  done
  wipe_buildah rebuild
  rm -rf "$(mab_root rebuild)"
}

# --- 2. warm no-op rebuild of four stages --------------------------------------------------------
case_4stage() {
  local tool run log cold_id id
  local args=(--build-arg "ITERATIONS=$iter_2s")
  echo "cache.sh: 4stage: cold builds (untimed), then $runs no-op rebuilds per tool" >&2
  "$mab" --root "$(mab_root 4stage)" build --progress=quiet "${base_ctx[@]}" "${args[@]}" "$bench/cases/cache-4stage" >"$work/logs/4stage-mab-cold.log" 2>&1 ||
    fail "mab's cold build failed (see $work/logs/4stage-mab-cold.log)"
  seed_buildah 4stage
  bah 4stage "${buildah_build[@]}" "${args[@]}" -t fourstage "$bench/cases/cache-4stage" >"$work/logs/4stage-buildah-cold.log" 2>&1 ||
    fail "buildah's cold build failed (see $work/logs/4stage-buildah-cold.log)"
  # With --jobs 2, stages one and two commit their identical `ARG` step at the same time, as
  # two images; the next build finds one of them and runs the other stage's RUN again. One
  # more untimed build settles that, so the timed ones are true no-op rebuilds (checked).
  bah 4stage "${buildah_build[@]}" "${args[@]}" -t fourstage "$bench/cases/cache-4stage" >"$work/logs/4stage-buildah-cold2.log" 2>&1 ||
    fail "buildah's second untimed build failed (see $work/logs/4stage-buildah-cold2.log)"
  cold_id=$(tail -n1 "$work/logs/4stage-buildah-cold2.log")
  local images
  images=$(bah 4stage images -a -q --no-trunc | sort -u | wc -l)
  for ((run = 1; run <= runs; run++)); do
    for tool in $(order "$run"); do
      log=$work/logs/4stage-$tool-$run.log
      if [[ $tool == mab ]]; then
        timed 4stage mab noop "$run" "$log" -- "$mab" --root "$(mab_root 4stage)" build --progress=quiet \
          --metadata-file "$work/out/meta.json" "${base_ctx[@]}" "${args[@]}" "$bench/cases/cache-4stage"
        [[ $(meta "$work/out/meta.json" mab.vertices.executed) == 0 ]] ||
          fail "mab's no-op rebuild $run executed $(meta "$work/out/meta.json" mab.vertices.executed) steps, expected 0"
      else
        timed 4stage buildah noop "$run" "$log" -- buildah $(bah_store 4stage) "${buildah_build[@]}" "${args[@]}" -t fourstage "$bench/cases/cache-4stage"
        id=$(tail -n1 "$log")
        # A step that ran again would have committed a new intermediate image (--layers);
        # the log cannot tell, as parallel stages' lines interleave and some go missing.
        [[ $id == "$cold_id" && $(bah 4stage images -a -q --no-trunc | sort -u | wc -l) == "$images" ]] ||
          fail "buildah's no-op rebuild $run ran a step or made a new image $id, not $cold_id (see $log)"
      fi
    done
  done
  wipe_buildah 4stage
  rm -rf "$(mab_root 4stage)"
}

# --- 3. FROM scratch + COPY of a big context: cold, then the unchanged re-check ---------------
make_context() {
  python3 - "$1" "$ctx_files" "$ctx_mb" <<'PY'
import os, random, sys
# Deterministic files of varied size (mean = total / count), in 100-file directories;
# half of each file random bytes, half text lines, so gzip has some work to do.
root, count, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) * 1000 * 1000
rng = random.Random(20000)
mean = total // count
for i in range(count):
    d = os.path.join(root, f"d{i // 100:03d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    size = rng.randint(mean // 2, mean * 3 // 2) if i < count - 1 else None
    if size is None:  # the last file takes what is left so the total is exact
        size = total - sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(root) for f in fs)
    half = size // 2
    text = b"".join(b"line %d of file %d\n" % (n, i) for n in range(half // 16 + 1))[: size - half]
    with open(os.path.join(d, f"f{i:05d}.dat"), "wb") as f:
        f.write(rng.randbytes(half) + text)
PY
}
case_context() {
  local ctx=$work/ctx/context tool run log cold_id id dockerfile=$bench/cases/cache-context/Dockerfile
  echo "cache.sh: context: generating $ctx_files files, $ctx_mb MB" >&2
  mkdir -p "$ctx"
  make_context "$ctx"
  fact context.files "$(find "$ctx" -type f | wc -l)"
  fact context.bytes "$(du -sb --apparent-size "$ctx" | cut -f1)"
  echo "cache.sh: context: $runs cold + re-check builds per tool, empty root / store each" >&2
  for ((run = 1; run <= runs; run++)); do
    for tool in $(order "$run"); do
      if [[ $tool == mab ]]; then
        rm -rf "$(mab_root context)"
        timed context mab cold "$run" "$work/logs/context-mab-cold-$run.log" -- "$mab" --root "$(mab_root context)" build \
          --progress=quiet --metadata-file "$work/out/meta.json" -f "$dockerfile" "$ctx"
        [[ $(meta "$work/out/meta.json" mab.vertices.executed) -ge 1 ]] || fail "mab's cold context build $run executed nothing"
        timed context mab recheck "$run" "$work/logs/context-mab-recheck-$run.log" -- "$mab" --root "$(mab_root context)" build \
          --progress=quiet --metadata-file "$work/out/meta.json" -f "$dockerfile" "$ctx"
        [[ $(meta "$work/out/meta.json" mab.vertices.executed) == 0 ]] ||
          fail "mab's context re-check $run executed $(meta "$work/out/meta.json" mab.vertices.executed) steps, expected 0"
        fact context.mab.root.bytes "$(du -sb "$(mab_root context)" | cut -f1)"
        rm -rf "$(mab_root context)"
      else
        wipe_buildah context
        timed context buildah cold "$run" "$work/logs/context-buildah-cold-$run.log" -- buildah $(bah_store context) \
          "${buildah_build[@]}" -t context -f "$dockerfile" "$ctx"
        cold_id=$(tail -n1 "$work/logs/context-buildah-cold-$run.log")
        log=$work/logs/context-buildah-recheck-$run.log
        timed context buildah recheck "$run" "$log" -- buildah $(bah_store context) "${buildah_build[@]}" -t context -f "$dockerfile" "$ctx"
        id=$(tail -n1 "$log")
        [[ $id == "$cold_id" ]] && grep 'Using cache' "$log" >/dev/null ||
          fail "buildah's context re-check $run made a new image $id, not $cold_id (see $log)"
        wipe_buildah context
      fi
    done
  done
  rm -rf "$ctx"
}

# --- 4. one $BUILDPLATFORM stage copied into four platforms -----------------------------------
# What each image's /artifact says: "<iterations> <uname -m of the machine the stage ran on>",
# read from the OCI archive mab wrote or from buildah's store.
mab_artifacts() { python3 "$bench/oci_archive.py" artifacts "$1"; }
buildah_artifacts() {
  local store=$1 list=$2 digest ctr mnt arch
  for digest in $(bah "$store" manifest inspect "$list" | jq -r '.manifests[].digest'); do
    ctr=$(bah "$store" from -q --pull=never "$list@$digest" 2>/dev/null)
    mnt=$(bah "$store" mount "$ctr")
    arch=$(bah "$store" inspect -f '{{.OCIv1.Architecture}}' "$ctr")
    echo "$arch $(cat "$mnt/artifact")"
    bah "$store" rm "$ctr" >/dev/null
  done | sort
}
case_crossplatform() {
  local tool run log wants out got ran
  local args=(--build-arg "ITERATIONS=$iter_3s")
  echo "cache.sh: crossplatform: $cross_runs uncached builds per tool for $platforms (buildah's take minutes)" >&2
  seed_buildah crossplatform
  # Warm mab's content store with the base (buildah's import is untimed too).
  "$mab" --root "$(mab_root crossplatform)" build --progress=quiet --platform "$platforms" "${base_ctx[@]}" \
    --build-arg ITERATIONS=1 "$bench/cases/cache-crossplatform" >"$work/logs/crossplatform-mab-warm.log" 2>&1 ||
    fail "mab's warm-up failed (see $work/logs/crossplatform-mab-warm.log)"
  for ((run = 1; run <= cross_runs; run++)); do
    for tool in $(order "$run"); do
      log=$work/logs/crossplatform-$tool-$run.log
      if [[ $tool == mab ]]; then
        out=$work/out/crossplatform.tar
        timed crossplatform mab cold "$run" "$log" -- "$mab" --root "$(mab_root crossplatform)" build --progress=rawjson --no-cache \
          --metadata-file "$work/out/meta.json" --platform "$platforms" "${base_ctx[@]}" "${args[@]}" \
          -o "type=oci,dest=$out" "$bench/cases/cache-crossplatform"
        # The stage's RUN is one vertex for all four targets: it must have run once.
        ran=$(jq -rR 'fromjson? | select(.vertexes) | .vertexes[] | select(.completed and (.cached | not) and (.name | test("RUN i=0"))) | .digest' "$log" | sort -u | wc -l)
        [[ $ran == 1 ]] || fail "mab's build $run ran the \$BUILDPLATFORM stage $ran times, expected once (see $log)"
        fact crossplatform.mab.executed "$(meta "$work/out/meta.json" mab.vertices.executed)"
        got=$(mab_artifacts "$out" | sort | paste -sd, -)
        wants="amd64 $iter_3s x86_64,arm/v7 $iter_3s x86_64,arm64 $iter_3s x86_64,ppc64le $iter_3s x86_64"
        [[ $got == "$wants" ]] || fail "mab's images (platform, artifact) are '$got', expected '$wants'"
        fact crossplatform.mab.artifacts "$got"
        rm -f "$out"
      else
        timed crossplatform buildah cold "$run" "$log" -- "$bench/host-binfmt.sh" aarch64 -- "$bench/host-binfmt.sh" arm -- \
          "$bench/host-binfmt.sh" ppc64le -- buildah $(bah_store crossplatform) "${buildah_build[@]}" --no-cache \
          "${args[@]}" --platform "$platforms" --manifest "crossplatform-$run" "$bench/cases/cache-crossplatform"
        got=$(buildah_artifacts crossplatform "crossplatform-$run" | paste -sd, -)
        # buildah 1.28 sets BUILDPLATFORM to each target platform, so the stage runs once
        # per target under qemu; the check pins down that this is what was timed.
        wants="amd64 $iter_3s x86_64,arm $iter_3s armv7l,arm64 $iter_3s aarch64,ppc64le $iter_3s ppc64le"
        [[ $got == "$wants" ]] || fail "buildah's images (architecture, artifact) are '$got', expected '$wants'"
        fact crossplatform.buildah.artifacts "$got"
        bah crossplatform manifest rm "crossplatform-$run" >/dev/null
        bah crossplatform rmi --prune >/dev/null 2>&1 || true
      fi
    done
  done
  wipe_buildah crossplatform
  rm -rf "$(mab_root crossplatform)"
}

# --- 5. 1 GiB written by one RUN, exported to an OCI tarball ------------------------------------
# Media type, size and uncompressed size of the archive's biggest layer.
biggest_layer() { python3 "$bench/oci_archive.py" biggest-layer "$1"; }
# Seconds from the end of the RUN's own work (its "wrote-1-GiB" line in mab's rawjson
# progress) to the end of the export: making the layer's tar, compressing it (mab does
# that when it records the step's result) and writing the archive.
export_seconds() {
  python3 - "$1" <<'PY'
import base64, json, sys
from datetime import datetime
def t(s): return datetime.fromisoformat(s[:26].rstrip("Z"))
marker, end = None, None
for line in open(sys.argv[1]):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    for log in event.get("logs") or []:
        if b"wrote-1-GiB" in base64.b64decode(log["data"]):
            marker = t(log["timestamp"])
    for v in event.get("vertexes") or []:
        if v.get("completed"):
            end = max(end or t(v["completed"]), t(v["completed"]))
print(f"{(end - marker).total_seconds():.3f}" if marker and end else "")
PY
}
case_export() {
  local tool run log out phase
  echo "cache.sh: export: $runs builds per tool (mab gzip and zstd), 1 GiB layer" >&2
  seed_buildah export
  for ((run = 1; run <= runs; run++)); do
    for tool in $(order "$run"); do
      out=$work/out/export.tar
      if [[ $tool == mab ]]; then
        for phase in gzip zstd; do
          rm -rf "$(mab_root export)" "$out"
          log=$work/logs/export-mab-$phase-$run.log
          timed export mab "$phase" "$run" "$log" -- "$mab" --root "$(mab_root export)" build --progress=rawjson "${base_ctx[@]}" \
            -o "type=oci,dest=$out,compression=$phase" "$bench/cases/cache-export"
          read -r mt size raw < <(biggest_layer "$out")
          [[ $mt == *"+$phase" && $raw -gt 1073741824 ]] || fail "mab's $phase archive's biggest layer is $mt, $raw bytes unpacked"
          fact "export.mab.$phase.$run.layer" "$raw $size"
          fact "export.mab.$phase.$run.export_seconds" "$(export_seconds "$log")"
        done
        rm -rf "$(mab_root export)" "$out"
      else
        rm -f "$out"
        log=$work/logs/export-buildah-gzip-$run.log
        timed export buildah gzip "$run" "$log" -- buildah $(bah_store export) "${buildah_build[@]}" --no-cache \
          --disable-compression=false -t "oci-archive:$out" "$bench/cases/cache-export"
        read -r mt size raw < <(biggest_layer "$out")
        [[ $mt == *"+gzip" && $raw -gt 1073741824 ]] || fail "buildah's archive's biggest layer is $mt, $raw bytes unpacked"
        fact "export.buildah.gzip.$run.layer" "$raw $size"
        bah export rmi --prune >/dev/null 2>&1 || true
        rm -f "$out"
      fi
    done
  done
  wipe_buildah export
}

IFS=, read -ra case_list <<<"$cases"
for c in "${case_list[@]}"; do
  case $c in
    rebuild | 4stage | context | crossplatform | export) "case_$c" ;;
    *) fail "unknown case $c (rebuild, 4stage, context, crossplatform, export)" ;;
  esac
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the report ------------------------------------------------------------------------------
# CPU seconds of the 2 s step natively, outside any builder (busybox from the base's build).
loop_cpu=$( { /usr/bin/time -f %U "$repo/examples/busybox/bb/amd64/busybox" sh -c \
  "i=0; while [ \$i -lt $iter_2s ]; do i=\$((i+1)); done" >/dev/null; } 2>&1 | tail -n1)
{
  echo "Run of $(date -u '+%Y-%m-%d %H:%M UTC'), $runs runs per tool and case, tools alternating; the whole script took $((($(date +%s) - start_time) / 60)) min."
  echo
  echo "- machine: $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p' | head -n1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, Linux $(uname -r), Debian $(cat /etc/debian_version), $(df --output=fstype "$work" | tail -n1) disk"
  echo "- load average (1, 5, 15 min) before: $load_before, after: $load_after"
  echo "- mab $("$mab" version | sed -n 's/^mab //p' | head -n1) (commit $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo ', with local changes'), meson buildtype $(meson introspect --buildoptions "$repo/build" | jq -r '.[] | select(.name == "buildtype") | .value'))"
  echo "- buildah $(buildah version | sed -n 's/^Version: *//p'): \`buildah build --layers --jobs 2 --isolation chroot\`, vfs storage"
  echo "- $(qemu-aarch64-static --version | head -n1)"
  echo "- the \"2 s\" step ($iter_2s shell-loop iterations) took ${loop_cpu} s of CPU natively at the end of the run"
  echo
  python3 "$bench/cache_summary.py" "$results" "$facts" "$runs" "$cross_runs"
} >"$work/results.md"
cat "$work/results.md"
echo >&2
echo "cache.sh: results in $work/results.md, raw figures in $results and $facts, logs in $work/logs" >&2
