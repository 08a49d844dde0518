#!/usr/bin/env bash
# .dockerignore as BuildKit applies it: excluded files never reach an image (directory
# copies, wildcards), exceptions re-include, <Dockerfile>.dockerignore beside a custom
# Dockerfile wins over the context's, the Dockerfile and the ignore file are read even
# when excluded, a COPY of an excluded path fails naming it, and the image digest
# follows the patterns. Then named local contexts (--build-context NAME=DIR) with their
# own .dockerignore, read by COPY --from, used by FROM and replacing a stage.
source "$(dirname "$0")/lib.sh"

# Every path below DIR, sorted, on one line.
listing() { (cd "$1" && find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' '); }

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY . /app/
COPY *.txt /txt/
DOCKERFILE
)
mkdir -p "$ctx/docs" "$ctx/build/obj" "$ctx/src" "$ctx/sub"
echo keep >"$ctx/keep.txt"; echo notes >"$ctx/notes.txt"; echo log >"$ctx/debug.log"
echo token >"$ctx/secret.env"; echo readme >"$ctx/docs/README.md"; echo guide >"$ctx/docs/guide.md"
echo obj >"$ctx/build/obj/a.o"; echo code >"$ctx/src/main.c"; echo trace >"$ctx/src/trace.log"
cat >"$ctx/.dockerignore" <<'IGNORE'
# comments and blank lines are skipped

**/*.log
/secret*
./docs/
!docs/README.md
build/**
notes.txt
.dockerignore
Dockerfile
IGNORE

# 1. The context as .dockerignore leaves it (local output: the image's files as they are).
mab build -o type=local,dest="$WORK/out1" "$ctx"
assert_eq "$(listing "$WORK/out1")" \
  "app app/build app/docs app/docs/README.md app/keep.txt app/src app/src/main.c app/sub txt txt/keep.txt " \
  "files copied with .dockerignore"

# 2. -f sub/app.Dockerfile: sub/app.Dockerfile.dockerignore replaces the context's.
cat >"$ctx/sub/app.Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY . /app/
DOCKERFILE
printf '*.txt\nsub\n' >"$ctx/sub/app.Dockerfile.dockerignore"
mab build -f "$ctx/sub/app.Dockerfile" -o type=local,dest="$WORK/out2" "$ctx"
assert_eq "$(listing "$WORK/out2/app" | tr ' ' '\n' | grep -c '\.log$' || true)" 2 "logs copied under the Dockerfile's own ignore file"
[[ -f "$WORK/out2/app/secret.env" && -f "$WORK/out2/app/.dockerignore" ]] || fail "the context's .dockerignore was applied"
[[ ! -e "$WORK/out2/app/keep.txt" && ! -e "$WORK/out2/app/sub" ]] || fail "sub/app.Dockerfile.dockerignore was not applied"
# ... and the default Dockerfile's own ignore file (Dockerfile.dockerignore) wins too.
printf 'keep.txt\n' >"$ctx/Dockerfile.dockerignore"
mab build -o type=local,dest="$WORK/out3" "$ctx"
[[ ! -e "$WORK/out3/app/keep.txt" && -f "$WORK/out3/app/notes.txt" ]] || fail "Dockerfile.dockerignore was not used"
rm "$ctx/Dockerfile.dockerignore"

# ... but a Dockerfile from stdin has no directory: the context's .dockerignore applies.
printf 'FROM scratch\nCOPY . /app/\n' | mab build -f - -o type=local,dest="$WORK/out4" "$ctx"
[[ -f "$WORK/out4/app/keep.txt" && ! -e "$WORK/out4/app/debug.log" ]] || fail "-f -: the context's .dockerignore was not used"

# 3. COPY of an excluded path: BuildKit's words, the Dockerfile line, and why.
cat >"$ctx/sub/secret.Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY keep.txt /
COPY secret.env /
DOCKERFILE
mab_fails build -f "$ctx/sub/secret.Dockerfile" "$ctx"
assert_output_contains 'failed to compute cache key: failed to calculate checksum of ref context: "/secret.env": not found'
assert_output_contains 'secret.Dockerfile:3'
assert_output_contains '>>> COPY secret.env /'
assert_output_contains 'excluded by its .dockerignore'
assert_output_contains '!secret.env'
# A wildcard that only excluded files match fails the same way; a missing file does not
# mention .dockerignore.
printf 'FROM scratch\nCOPY *.log /logs/\n' >"$ctx/sub/logs.Dockerfile"
mab_fails build -f "$ctx/sub/logs.Dockerfile" "$ctx"
assert_output_contains '"/*.log": not found'
printf 'FROM scratch\nCOPY missing.txt /\n' >"$ctx/sub/missing.Dockerfile"
mab_fails build -f "$ctx/sub/missing.Dockerfile" "$ctx"
assert_output_contains '"/missing.txt": not found'
if grep -F dockerignore "$WORK/last.out" >/dev/null; then fail "a missing file blamed on .dockerignore"; fi

# 4. The image digest follows the patterns (and only them).
digest_with() {
  printf '%s\n' "$@" >"$ctx/.dockerignore"
  mab build --platform linux/amd64 -o type=oci,dest="$WORK/d.tar" --iidfile "$WORK/iid" "$ctx"
  cat "$WORK/iid"
}
# (.dockerignore itself is excluded: rewriting it changes its mtime, which is in the image.)
a=$(digest_with '*.log' 'secret*' 'Dockerfile' '.dockerignore')
sleep 1
b=$(digest_with '*.log' 'secret*' 'Dockerfile' '.dockerignore')
c=$(digest_with '*.log' 'Dockerfile' '.dockerignore')
assert_eq "$a" "$b" "same patterns, same image"
[[ "$a" != "$c" ]] || fail "a pattern less must change the image (secret.env is in it now)"

# 5. A malformed pattern is refused before anything runs, naming the file.
printf 'ok\nbad[\n' >"$ctx/.dockerignore"
mab_fails build "$ctx"
assert_output_contains '.dockerignore: invalid exclude pattern "bad[": syntax error in pattern'
rm "$ctx/.dockerignore"

# 6. Named local contexts.
mkdir -p "$WORK/assets/img" "$WORK/prebuilt/out" "$WORK/tools/bin"
echo png >"$WORK/assets/img/logo.png"; echo psd >"$WORK/assets/img/logo.psd"
printf '**/*.psd\n.dockerignore\n' >"$WORK/assets/.dockerignore"
echo app >"$WORK/prebuilt/out/app"
echo tool >"$WORK/tools/bin/tool"
named=$(new_context named <<'DOCKERFILE'
# Never built: --build-context builder=DIR replaces the whole stage (no pull, no RUN).
FROM busybox AS builder
RUN exit 1

FROM tools AS base
COPY --from=assets /img /static/

FROM base
COPY --from=builder /out/app /usr/bin/app
COPY --from=assets img/*.p* /all-images/
DOCKERFILE
)
(cd "$WORK" && mab build --build-context assets=assets --build-context "builder=$WORK/prebuilt" \
  --build-context tools=tools -o type=local,dest="$WORK/out6" "$named")
assert_eq "$(listing "$WORK/out6")" \
  "all-images all-images/logo.png bin bin/tool static static/logo.png usr usr/bin usr/bin/app " \
  "named contexts: COPY --from, FROM, a replaced stage, each with its own .dockerignore"
[[ $(stat -c '%u:%g' "$WORK/out6/static/logo.png") == 0:0 || $(id -u) -ne 0 ]] || fail "named context files belong to root"
# A named context's excluded file, asked for by name.
printf 'FROM scratch\nCOPY --from=assets /img/logo.psd /\n' >"$named/Dockerfile"
mab_fails build --build-context "assets=$WORK/assets" "$named"
assert_output_contains '"/img/logo.psd": not found'
assert_output_contains "is in build context \"assets\" but excluded by its $WORK/assets/.dockerignore"
# Paths that are not directories, as buildx says it.
mab_fails build --build-context "x=$WORK/nope" "$named"
assert_output_contains "failed to get build context x: stat $WORK/nope: no such file or directory"
mab_fails build --build-context "x=$WORK/assets/img/logo.png" "$named"
assert_output_contains "failed to get build context path $WORK/assets/img/logo.png: not a directory"
echo ok
