#!/usr/bin/env bash
# RUN --mount=type=secret and type=ssh driven like a user: --secret from a file and
# from an environment variable, mode/uid/gid, optional secrets skipped, required ones
# failing with the id (never the value); the value in no layer, config, history,
# metadata file or progress output.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64"

SECRET_VALUE="s3cr3t-$RANDOM-$RANDOM-value"
ENV_VALUE="env-$RANDOM-$RANDOM-secret"
printf '%s' "$SECRET_VALUE" >"$WORK/token"

ctx=$(host_busybox_context secrets sh md5sum stat test echo <<'DOCKERFILE'
RUN --mount=type=secret,id=token md5sum < /run/secrets/token > /token-md5 && stat -c '%a %u:%g' /run/secrets/token > /token-stat
RUN --mount=type=secret,id=token,target=/etc/app/token,mode=0440,uid=1,gid=2 stat -c '%a %u:%g' /etc/app/token > /target-stat
RUN --mount=type=secret,id=envtok md5sum < /run/secrets/envtok > /env-md5
RUN --mount=type=secret,target=/run/secrets/token md5sum < /run/secrets/token > /by-target-md5
RUN --mount=type=secret,id=absent test ! -e /run/secrets/absent && echo skipped > /absent
DOCKERFILE
)
export MAB_E2E_SECRET_ENV="$ENV_VALUE"
mab build --platform linux/amd64 --secret id=token,src="$WORK/token" --secret id=envtok,env=MAB_E2E_SECRET_ENV \
  --metadata-file "$WORK/meta.json" -o type=oci,dest="$WORK/secrets.tar" "$ctx"
cp "$WORK/last.out" "$WORK/progress.out"
root=$(unpack_platform "$WORK/secrets.tar" amd64)
assert_eq "$(cat "$root/token-md5")" "$(printf '%s' "$SECRET_VALUE" | md5sum)" "file secret's value in the RUN"
assert_eq "$(cat "$root/env-md5")" "$(printf '%s' "$ENV_VALUE" | md5sum)" "env secret's value in the RUN"
assert_eq "$(cat "$root/by-target-md5")" "$(cat "$root/token-md5")" "a secret's id defaults to its target's name"
assert_eq "$(cat "$root/token-stat")" "400 0:0" "a secret's default mode and owner"
if [[ $(id -u) -eq 0 ]]; then assert_eq "$(cat "$root/target-stat")" "440 1:2" "a secret's mode, uid, gid"; fi
assert_eq "$(cat "$root/absent")" skipped "an optional secret nobody gave is skipped"
[[ ! -e "$root/run/secrets" && ! -e "$root/etc/app" ]] || fail "secret mount points in the image"

# The values are nowhere: not in any blob (layers uncompressed), the metadata file, the
# progress output, the storage root.
blobs=$(mktemp -d "$WORK/blobs.XXXXXX")
tar -xf "$WORK/secrets.tar" -C "$blobs"
for blob in "$blobs"/blobs/sha256/*; do
  if zcat -f "$blob" | grep -aF -e "$SECRET_VALUE" -e "$ENV_VALUE" >/dev/null; then fail "a secret is in blob $blob"; fi
done
for f in "$WORK/meta.json" "$WORK/progress.out"; do
  if grep -F -e "$SECRET_VALUE" -e "$ENV_VALUE" "$f" >/dev/null; then fail "a secret is in $f"; fi
done
if grep -rlF -e "$SECRET_VALUE" -e "$ENV_VALUE" "$MAB_ROOT" >/dev/null; then fail "a secret is under the storage root"; fi

# Required and missing: the id is named, with how to give it; no value anywhere.
ctx2=$(host_busybox_context required sh true <<'DOCKERFILE'
RUN --mount=type=secret,id=needed,required true
DOCKERFILE
)
mab_fails build --platform linux/amd64 --secret id=token,src="$WORK/token" "$ctx2"
assert_output_contains 'secret "needed" is required but was not provided'
assert_output_contains "--secret id=needed"
assert_output_contains "Dockerfile:3"
if grep -F "$SECRET_VALUE" "$WORK/last.out" >/dev/null; then fail "a secret in an error"; fi
# A missing file fails at the flag, naming the file.
mab_fails build --secret id=x,src="$WORK/nope" "$ctx2"
assert_eq "$MAB_STATUS" 2 "exit status of a usage error"
assert_output_contains "--secret id=x,src=$WORK/nope: $WORK/nope is not a readable file"

echo ok
