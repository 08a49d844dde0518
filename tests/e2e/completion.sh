#!/usr/bin/env bash
# Shell completion (issue 7): completion/mab.bash and completion/_mab are generated from
# the binary's --help texts and must match a fresh generation; sourced in bash they
# complete commands, subcommands and flags (and files where a path is expected).
source "$(dirname "$0")/lib.sh"
need python3 diff
python3 "$REPO_DIR/scripts/gen-completion.py" "$MAB" "$WORK/completion"
for f in mab.bash _mab; do
  diff -u "$REPO_DIR/completion/$f" "$WORK/completion/$f" >&2 ||
    fail "completion/$f differs from the binary's --help: run scripts/gen-completion.py build/cli/mab"
done
# What bash would offer for the words typed so far (the last one is being completed).
complete_words() {
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mab; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$REPO_DIR/completion/mab.bash" "$@"
}
assert_eq "$(complete_words mab bu)" "build" "a command"
assert_eq "$(complete_words mab build --pla)" "--platform" "a build flag"
assert_eq "$(complete_words mab build --cache-t)" "--cache-to" "a cache flag"
assert_eq "$(complete_words mab manifest an)" "annotate" "a subcommand"
assert_eq "$(complete_words mab manifest annotate --os-)" "$(printf '%s\n' --os-features --os-version)" "a subcommand's flags"
mkdir -p "$WORK/dir" && touch "$WORK/dir/Dockerfile.dev"
assert_eq "$(complete_words mab build -f "$WORK/dir/Dockerfile.")" "$WORK/dir/Dockerfile.dev" "a file"
if command -v zsh >/dev/null; then
  zsh -c "fpath=($REPO_DIR/completion \$fpath); autoload -U compinit && compinit -u && source $REPO_DIR/completion/_mab && whence _mab" >/dev/null ||
    fail "zsh cannot load completion/_mab"
fi
