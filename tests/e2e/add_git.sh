#!/usr/bin/env bash
# ADD <git url> (issue 5): a repository served offline over dumb HTTP (a bare repository
# after `git update-server-info`) is cloned at a tag with a subdirectory, a branch and a
# commit id; .git is dropped unless --keep-git-dir; --chown and --chmod apply. A missing
# subdirectory and an unreachable repository fail with clear messages that never show
# the URL's password. Checked in the image umoci unpacks.
source "$(dirname "$0")/lib.sh"
need skopeo umoci git

src="$WORK/src"
git init -q -b main "$src"
git -C "$src" config user.email e2e@example.com
git -C "$src" config user.name e2e
mkdir -p "$src/sub"
echo one >"$src/sub/a.txt"
echo top >"$src/top.txt"
git -C "$src" add -A
git -C "$src" commit -q -m first
git -C "$src" tag v1
first=$(git -C "$src" rev-parse HEAD)
echo two >"$src/sub/a.txt"
echo new >"$src/sub/b.txt"
git -C "$src" add -A
git -C "$src" commit -q -m second
second=$(git -C "$src" rev-parse HEAD)

served="$WORK/served"
mkdir -p "$served"
git clone -q --bare "$src" "$served/repo.git"
git -C "$served/repo.git" update-server-info
start_file_server "$served"
repo="$FILE_SERVER/repo.git"

ctx=$(new_context ctx <<DOCKERFILE
FROM scratch
ADD $repo#v1:sub /tag
ADD $repo#main /branch/
ADD --chown=1000:2000 --chmod=750 $repo#$first /commit
ADD --keep-git-dir=true $repo#main /kept
DOCKERFILE
)
mab build --platform linux/amd64 -o type=oci,dest="$WORK/img.tar" "$ctx"
root=$(unpack_platform "$WORK/img.tar" amd64)

# The tag with a subdirectory: only sub's contents, as of the first commit.
assert_eq "$(cat "$root/tag/a.txt")" one "the tag's sub/a.txt"
[[ ! -e "$root/tag/b.txt" && ! -e "$root/tag/top.txt" && ! -e "$root/tag/sub" ]] ||
  fail "the tag's subdirectory holds more than sub's contents at v1: $(ls -A "$root/tag")"
assert_eq "$(stat_line "$root/tag/a.txt")" "644 0:0 regular file" "files owned by root"
# The branch: the whole tree at its tip, without .git.
assert_eq "$(cat "$root/branch/sub/a.txt")" two "the branch's sub/a.txt"
assert_eq "$(cat "$root/branch/sub/b.txt")" new "the branch's sub/b.txt"
assert_eq "$(cat "$root/branch/top.txt")" top "the branch's top.txt"
[[ ! -e "$root/branch/.git" ]] || fail ".git was kept without --keep-git-dir"
# The commit id: the first commit, with --chown and --chmod.
assert_eq "$(cat "$root/commit/sub/a.txt")" one "the commit's sub/a.txt"
[[ ! -e "$root/commit/sub/b.txt" ]] || fail "the commit's tree has a file of a later commit"
assert_eq "$(stat_line "$root/commit/top.txt")" "750 1000:2000 regular file" "--chown and --chmod"
[[ ! -e "$root/commit/.git" ]] || fail ".git was kept for a commit without --keep-git-dir"
# --keep-git-dir: a repository whose HEAD is the branch's tip.
[[ -d "$root/kept/.git" ]] || fail "--keep-git-dir=true did not keep .git"
assert_eq "$(git --git-dir="$root/kept/.git" rev-parse HEAD)" "$second" "the kept repository's HEAD"
assert_eq "$(cat "$root/kept/sub/b.txt")" new "the kept checkout"
grep -x /repo.git/info/refs "$FILE_SERVER_LOG" >/dev/null ||
  grep "^/repo.git/info/refs" "$FILE_SERVER_LOG" >/dev/null || fail "the server was not asked for the refs"

# A subdirectory the tree does not have.
ctx2=$(new_context ctx2 <<DOCKERFILE
FROM scratch
ADD $repo#v1:nope /x
DOCKERFILE
)
mab_fails build --platform linux/amd64 "$ctx2"
assert_output_contains "subdirectory \"nope\" is not a directory in the repository"

# A repository that is not there: the URL is named without its password, with git's words.
missing="http://someone:hunter2@${FILE_SERVER#http://}/missing.git"
ctx3=$(new_context ctx3 <<DOCKERFILE
FROM scratch
ADD $missing#main /x
DOCKERFILE
)
mab_fails build --platform linux/amd64 "$ctx3"
assert_output_contains "git clone of $FILE_SERVER/missing.git at main"
# The Dockerfile excerpt (">>>" lines) quotes the user's own text; nothing else may.
out=$(grep -v '>>>' "$WORK/last.out" || true)
[[ "$out" != *hunter2* ]] || fail "the password was printed: $out"
echo ok
