#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) in their own
# build directory and runs each for SECONDS, seeded from the frontend's test data.
#
#   fuzz/run.sh SECONDS            (build dir: $MAB_FUZZ_BUILD, default ./build-fuzz)
#
# The working corpus stays in BUILD/corpus/<target> between runs; a crash is written to
# BUILD/crashes/<target>-* and makes the script fail. Reproduce one with
#   BUILD/fuzz/mab-fuzz-<target> BUILD/crashes/<target>-crash-…
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: fuzz/run.sh SECONDS}
build=${MAB_FUZZ_BUILD:-build-fuzz}

command -v clang++ >/dev/null || { echo "fuzz: clang++ is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
if [[ ! -f "$build/build.ninja" ]]; then
  # b_lundef=false: the sanitizer runtimes define symbols only at link time of the executable.
  CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Db_lundef=false >"$build.setup.log" 2>&1 ||
    { cat "$build.setup.log" >&2; exit 1; }
  rm -f "$build.setup.log"
fi
# Only the two targets (and the libraries they need: base, oci, engine/graph, the frontend).
ninja -C "$build" -j "${MAB_FUZZ_JOBS:-2}" fuzz/mab-fuzz-parser fuzz/mab-fuzz-expand >"$build/ninja.log" 2>&1 ||
  { grep -v '^\[' "$build/ninja.log" >&2; echo "fuzz: building the targets failed" >&2; exit 1; }
python3 fuzz/make_corpus.py . "$build/seeds"

status=0
for target in parser expand; do
  mkdir -p "$build/corpus/$target" "$build/crashes"
  log="$build/fuzz-$target.log"
  echo "fuzz: $target for ${seconds}s"
  # -timeout: one input taking longer than 10 s is a hang, reported like a crash.
  if ! "$build/fuzz/mab-fuzz-$target" -max_total_time="$seconds" -timeout=10 -max_len=8192 \
      -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" \
      "$build/corpus/$target" "$build/seeds/$target" >"$log" 2>&1; then
    status=1
    echo "fuzz: $target FAILED; the report:" >&2
    grep -A30 -m1 "ERROR\|==ERROR\|runtime error\|deadly signal\|uncaught" "$log" >&2 || tail -n 40 "$log" >&2
    ls "$build/crashes"/"$target"-* >&2 2>/dev/null || true
  fi
  # The closing figures: executions, coverage, corpus size.
  grep -E "^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$log" || tail -n 3 "$log"
done
exit $status
