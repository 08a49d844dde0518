#!/usr/bin/env bash
# Quick start, step 2: set up, build, and run the whole test suite (unit, golden and
# end-to-end). The last line is the plain summary "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

meson test -C build --print-errorlogs --num-processes 2 "$@"
status=$?
python3 tests/summary.py build/meson-logs/testlog.json
summary_status=$?
if [[ $status -ne 0 || $summary_status -ne 0 ]]; then exit 1; fi
