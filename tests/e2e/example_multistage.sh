#!/usr/bin/env bash
# examples/multistage (issue 7): builder + runtime for two platforms (arm64 under qemu),
# --build-arg, a required secret that reaches the RUN and no blob, .dockerignore'd files
# absent from the builder (and unable to invalidate the cache), --target builder.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq
[[ $(id -u) -eq 0 ]] || skip "fetching foreign busybox packages needs root (dpkg --add-architecture)"
[[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"

platforms=linux/amd64,linux/arm64
MAB="$MAB" "$REPO_DIR/scripts/make-busybox-base.sh" "$WORK/busybox" "$platforms" >"$WORK/last.out" 2>&1 ||
  fail "make-busybox-base.sh"
example=$WORK/example
cp -r "$REPO_DIR/examples/multistage" "$example"
secret="s3cr3t-$RANDOM-token"
printf '%s' "$secret" >"$WORK/token"
base=(--build-context busybox=oci-layout://"$WORK/busybox":latest)

mab build --platform "$platforms" "${base[@]}" --secret id=token,src="$WORK/token" --build-arg VERSION=2.1 \
  --metadata-file "$WORK/meta.json" -o type=oci,dest="$WORK/app.tar" "$example"
for arch in amd64 arm64; do
  root=$(unpack_platform "$WORK/app.tar" "$arch")
  assert_eq "$(sed -n 2p "$root/usr/local/bin/app")" \
    "echo \"app 2.1 for linux/$arch, running on \$(uname -m)\"" "the $arch app"
  assert_eq "$(stat -c %a "$root/usr/local/bin/app")" 755 "the $arch app is executable"
  assert_eq "$(cat "$root/usr/share/app/build-note")" "licensed: ${#secret} byte token seen at build time" "secret seen"
  [[ ! -e "$root/src" ]] || fail "the builder's sources reached the $arch runtime image"
done
config=$(skopeo inspect --config "oci-archive:$WORK/app.tar")
assert_eq "$(jq -r '.config.User' <<<"$config")" "1000:1000" "runtime USER"
# The secret is in no blob (layers, configs, manifests), no metadata and no progress line.
mkdir -p "$WORK/blobs" && tar -xf "$WORK/app.tar" -C "$WORK/blobs"
for blob in "$WORK"/blobs/blobs/sha256/*; do
  if zcat -f "$blob" 2>/dev/null | grep -aF "$secret" >/dev/null; then fail "the secret is in blob $blob"; fi
done
if grep -aF "$secret" "$WORK/meta.json" "$WORK/last.out" >/dev/null; then fail "the secret is in the output"; fi

# Without the required secret: a clear error naming it.
mab_fails build --platform linux/amd64 "${base[@]}" --no-cache -o type=oci,dest="$WORK/x.tar" "$example"
assert_output_contains "token"

# --target builder: the sources without what .dockerignore leaves out.
mab build --platform linux/amd64 "${base[@]}" --secret id=token,src="$WORK/token" --target builder \
  -o type=local,dest="$WORK/builder" "$example"
[[ -f "$WORK/builder/src/app.sh.in" && -x "$WORK/builder/out/app" ]] || fail "the builder stage's files"
[[ ! -e "$WORK/builder/src/notes" && ! -e "$WORK/builder/src/build.log" ]] || fail ".dockerignore'd files were copied"

# An ignored file changing rebuilds nothing.
echo "more notes" >>"$example/src/notes/todo.md"
mab build --platform "$platforms" "${base[@]}" --secret id=token,src="$WORK/token" --build-arg VERSION=2.1 \
  --metadata-file "$WORK/again.json" -o type=oci,dest="$WORK/again.tar" "$example"
assert_eq "$(jq -r '."mab.vertices.executed"' "$WORK/again.json")" 0 "nothing runs after an ignored file changed"
assert_eq "$(jq -r '."containerimage.digest"' "$WORK/again.json")" "$(jq -r '."containerimage.digest"' "$WORK/meta.json")" \
  "the same image"
