#!/usr/bin/env bash
# docs/cli.md is the binary's own help (issue 7): regenerating it from this mab must
# give the committed file, so a flag added, renamed or removed without the reference
# (or the other way round) fails here. Fix: scripts/gen-cli-doc.py build/cli/mab
source "$(dirname "$0")/lib.sh"
need python3 diff
python3 "$REPO_DIR/scripts/gen-cli-doc.py" "$MAB" "$WORK/cli.md"
if ! diff -u "$REPO_DIR/docs/cli.md" "$WORK/cli.md" >"$WORK/cli.diff"; then
  head -n 60 "$WORK/cli.diff" >&2
  fail "docs/cli.md differs from the binary's --help texts: run scripts/gen-cli-doc.py build/cli/mab"
fi
# Every command of the table has its section.
for command in $("$MAB" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}'); do
  grep -qx "## mab $command" "$REPO_DIR/docs/cli.md" || fail "docs/cli.md has no section for mab $command"
done
