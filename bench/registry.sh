#!/usr/bin/env bash
# Registry transfer speed: mab beside skopeo, in one run, against the real registry of
# the test bed (Debian's docker-registry on loopback, plain HTTP, no proxy).
#
#   bench/registry.sh [-n RUNS] [--mib SIZE]
#
# The image: FROM scratch + 4 COPY steps of SIZE/4 MiB of random bytes each
# (incompressible, so gzip costs what it costs everywhere), one platform.
#  - push: `mab build --push` against `mab build -o type=oci` (the same build, kept
#    local) followed by `skopeo copy oci:… docker://…` — what a user would run without
#    --push. Also shown: mab's push alone (build+push minus build) beside skopeo's copy.
#  - pull: `mab build` of `FROM REG/img` (+ a trivial COPY) with a fresh storage root,
#    against `skopeo copy docker://… oci:…` followed by the same build FROM that local
#    layout (--build-context img=oci-layout://…) — the way without registry support.
# Every repetition pushes to a new repository and pulls into a new root, and skopeo's
# blob-info cache is removed before each of its runs (untimed): otherwise skopeo mounts
# blobs it pushed before instead of uploading them. Prints markdown for BENCHMARKS.md;
# raw figures stay in /tmp/mab-bench-reg-*.
set -euo pipefail
bench=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$bench")
runs=5
mib=256
while (($#)); do
  case $1 in
    -n) runs=${2:?-n needs a number}; shift 2 ;;
    --mib) mib=${2:?--mib needs a size}; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "registry.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ && $mib =~ ^[1-9][0-9]*$ ]] || { echo "registry.sh: -n and --mib want positive numbers" >&2; exit 2; }
"$repo/scripts/setup.sh" >&2
mab=$repo/build/cli/mab

work=/tmp/mab-bench-reg-$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$work/bed" "$work/ctx" "$work/pullctx"
exec {bed_in}> >(python3 "$repo/tests/registry/registry_bed.py" --dir "$work/bed" >"$work/bed/ready" 2>"$work/bed/start.log")
cleanup() { exec {bed_in}>&-; sleep 0.5; rm -rf "$work/roots" "$work/ctx" "$work/layout" "$work/skopeo"; }
trap cleanup EXIT
for _ in $(seq 300); do [[ -s "$work/bed/ready" ]] && break; sleep 0.1; done
reg=$(jq -r .registry "$work/bed/ready")

# The image.
quarter=$((mib / 4))
{
  echo "FROM scratch"
  for i in 1 2 3 4; do
    head -c "$((quarter << 20))" /dev/urandom >"$work/ctx/part$i"
    echo "COPY part$i /part$i"
  done
} >"$work/ctx/Dockerfile"
printf 'FROM img\nCOPY Dockerfile /copied\n' >"$work/pullctx/Dockerfile"
printf 'FROM %s/pull/img:1\nCOPY Dockerfile /copied\n' "$reg" >"$work/pullctx/Dockerfile.registry"
export SOURCE_DATE_EPOCH=1700000000
"$mab" build --progress=quiet -o type=oci,dest="$work/layout",tar=false,name=img:1 "$work/ctx" >/dev/null 2>&1
skopeo copy --quiet --dest-tls-verify=false oci:"$work/layout:1" "docker://$reg/pull/img:1" >/dev/null

results=$work/results.tsv
: >"$results"
timed() {  # timed NAME COMMAND...: appends "NAME seconds"
  local name=$1 start end
  shift
  start=$(date +%s%N)
  "$@" >>"$work/log" 2>&1
  end=$(date +%s%N)
  printf '%s\t%s\n' "$name" "$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')" >>"$results"
}
for i in $(seq 0 "$runs"); do  # round 0 warms up (page cache, bed) and is not counted
  root=$work/roots/$i
  t() { if ((i > 0)); then timed "$@"; else shift; "$@" >>"$work/log" 2>&1; fi; }
  t mab-build "$mab" --root "$root/build" build --progress=quiet -o type=oci,dest="$work/out-$i",tar=false "$work/ctx"
  t mab-build-push "$mab" --root "$root/push" build --progress=quiet -t "$reg/push-mab-$i/img:1" --push "$work/ctx"
  rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb "${XDG_DATA_HOME:-$HOME/.local/share}/containers/cache/blob-info-cache-v1.boltdb"
  t skopeo-push skopeo copy --quiet --dest-tls-verify=false oci:"$work/layout:1" "docker://$reg/push-skopeo-$i/img:1"
  t mab-build-pull "$mab" --root "$root/pull" build --progress=quiet -f "$work/pullctx/Dockerfile.registry" "$work/pullctx"
  rm -f /var/lib/containers/cache/blob-info-cache-v1.boltdb "${XDG_DATA_HOME:-$HOME/.local/share}/containers/cache/blob-info-cache-v1.boltdb"
  t skopeo-pull skopeo copy --quiet --src-tls-verify=false "docker://$reg/pull/img:1" oci:"$work/skopeo-$i:1"
  t mab-build-local "$mab" --root "$root/local" build --progress=quiet --build-context img=oci-layout://"$work/skopeo-$i:1" "$work/pullctx"
  rm -rf "$root" "$work/out-$i" "$work/skopeo-$i"
done

python3 - "$results" "$mib" "$runs" <<'PY'
import statistics, sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
mib, runs = int(sys.argv[2]), int(sys.argv[3])
t = {}
for name, sec in rows:
    t.setdefault(name, []).append(float(sec))
med = {k: statistics.median(v) for k, v in t.items()}
def mibs(sec): return f"{mib / sec:.0f}" if sec > 0 else "—"
push_mab = med["mab-build-push"] - med["mab-build"]
skopeo_way_push = med["mab-build"] + med["skopeo-push"]
skopeo_way_pull = med["skopeo-pull"] + med["mab-build-local"]
print(f"Image: {mib} MiB of random bytes in 4 layers, gzip; median of {runs} runs, seconds.")
print()
print("| what | mab | build with mab, transfer with skopeo | mab ÷ that |")
print("| --- | ---: | ---: | ---: |")
print(f"| build + push: `--push` vs `-o type=oci` + `skopeo copy` | {med['mab-build-push']:.2f} | "
      f"{skopeo_way_push:.2f} | {med['mab-build-push'] / skopeo_way_push:.2f} |")
print(f"| pull + build: `FROM REG/img` vs `skopeo copy` + `FROM` the layout | {med['mab-build-pull']:.2f} | "
      f"{skopeo_way_pull:.2f} | {med['mab-build-pull'] / skopeo_way_pull:.2f} |")
print()
print(f"The transfer alone: mab's push (build+push − build) {push_mab:.2f} s ({mibs(push_mab)} MiB/s) against "
      f"skopeo's copy {med['skopeo-push']:.2f} s ({mibs(med['skopeo-push'])} MiB/s); skopeo's pull "
      f"{med['skopeo-pull']:.2f} s ({mibs(med['skopeo-pull'])} MiB/s).")
print()
print("Medians of the parts: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(med.items())))
PY
echo "raw figures: $results" >&2
