#!/usr/bin/env bash
# FROM from a registry that wants credentials (htpasswd; issue 4): without credentials the build fails
# with a clear error; with docker's config.json (DOCKER_CONFIG, or the user's own
# ~/.docker/config.json for a rootless build) it pulls; no secret is ever printed.
source "$(dirname "$0")/lib.sh"
need skopeo jq base64
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"

start_registry_bed --auth basic --user puller --password 'Pull-Secret-93'
secret='Pull-Secret-93'

bed_push_busybox "$BED_PROXY/private/busybox:1" host --dest-creds "puller:$secret"

ctx=$(new_context ctx <<DOCKERFILE
FROM $BED_PROXY/private/busybox:1
RUN uname -m > /arch
DOCKERFILE
)
export DOCKER_CONFIG="$WORK/docker"
mkdir -p "$DOCKER_CONFIG"
mab_fails build "$ctx"
assert_output_contains "$BED_PROXY"
grep -iE "auth|denied|unauthorized|credentials" "$WORK/last.out" >/dev/null || fail "the error does not say credentials are needed"

# Wrong password: refused, and the secret we gave is nowhere in the output.
printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$BED_PROXY" "$(printf 'puller:Wrong-Guess-11' | base64 -w0)" \
  >"$DOCKER_CONFIG/config.json"
mab_fails build "$ctx"
grep -F "Wrong-Guess-11" "$WORK/last.out" >/dev/null && fail "the wrong password was printed"

printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$BED_PROXY" "$(printf 'puller:%s' "$secret" | base64 -w0)" \
  >"$DOCKER_CONFIG/config.json"
mab build -o type=local,dest="$WORK/out" "$ctx"
assert_eq "$(cat "$WORK/out/arch")" x86_64 "pulled with config.json credentials"
grep -F "$secret" "$WORK/last.out" >/dev/null && fail "the password was printed"


# Rootless: the user's own ~/.docker/config.json is read (inside mab's user namespace).
if [[ $(id -u) -eq 0 ]] && command -v runuser >/dev/null; then
  ensure_e2e_user
  share_work_with_e2e_user
  user_home=$(getent passwd "$E2E_USER" | cut -d: -f6)
  mkdir -p "$user_home/.docker"
  cp "$DOCKER_CONFIG/config.json" "$user_home/.docker/config.json"
  chown -R "$E2E_USER" "$user_home/.docker"
  as_e2e_user env -u DOCKER_CONFIG MAB_CONFIG=/nonexistent "$WORK/mab" build -o type=local,dest="$WORK/out/user" "$ctx" \
    >"$WORK/last.out" 2>&1 || { rm -rf "$user_home/.docker"; fail "rootless pull with credentials"; }
  rm -rf "$user_home/.docker"
  assert_eq "$(cat "$WORK/out/user/arch")" x86_64 "rootless pull with the user's config.json"
fi
echo ok
