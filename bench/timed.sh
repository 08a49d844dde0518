#!/usr/bin/env bash
# Runs a command and appends "<wall seconds>\t<max RSS KiB>" to RESULT_FILE.
#   timed.sh RESULT_FILE -- COMMAND...
# Wall time is taken around GNU time with a nanosecond clock (GNU time's own %e has
# 10 ms steps). Max RSS is GNU time's %M: the largest resident set of any single process
# in the command's tree that the command waited for (wait4's rusage), not a sum.
set -euo pipefail
out=${1:?usage: timed.sh RESULT_FILE -- COMMAND...}
shift
[[ ${1:-} == -- ]] && shift
rss=$(mktemp)
trap 'rm -f "$rss"' EXIT
start=$(date +%s%N)
/usr/bin/time -f %M -o "$rss" "$@"
end=$(date +%s%N)
printf '%d.%09d\t%s\n' $(((end - start) / 1000000000)) $(((end - start) % 1000000000)) "$(tail -n1 "$rss")" >>"$out"
