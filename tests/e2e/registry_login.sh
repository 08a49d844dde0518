#!/usr/bin/env bash
# mab login/logout against a registry with htpasswd Basic auth: a wrong password is
# refused and never shown, --password-stdin saves the login where docker would (with
# docker's warning for config.json), a push uses it, logout removes it and the push then
# fails clearly. A credential helper named in config.json runs outside mab's user
# namespace during a build (cli/credential_broker.hpp).
source "$(dirname "$0")/lib.sh"
start_registry_bed --auth basic
REG=$BED_PROXY
export DOCKER_CONFIG="$WORK/docker"
wrong="Wr0ng-$RANDOM-Passw0rd"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY hello /hello
DOCKERFILE
)
echo hello >"$ctx/hello"
no_secret_in_output() {
  grep -F -e "$BED_PASSWORD" -e "$wrong" "$WORK/last.out" >/dev/null && fail "a password is in mab's output"
  return 0
}

# Without a login the registry refuses the push.
mab_fails build -t "$REG/app:1" --push "$ctx"
assert_output_contains "$REG"
assert_output_contains "$REG requires authentication"
grep -E "pushing manifest for .* done" "$WORK/last.out" >/dev/null && fail "a refused push reported a pushed manifest"

# A wrong password: refused, nothing saved, the password nowhere in the output.
echo "$wrong" | mab_fails login -u "$BED_USER" --password-stdin "$REG"
assert_output_contains "rejected the credentials"
no_secret_in_output
[[ -e "$DOCKER_CONFIG/config.json" ]] && fail "a refused login was saved"
# No terminal, no --password-stdin: docker's refusal, not a hang.
mab_fails login -u "$BED_USER" "$REG" </dev/null
assert_output_contains "Cannot perform an interactive login from a non TTY device"

printf '%s\n' "$BED_PASSWORD" | mab login -u "$BED_USER" --password-stdin "http://$REG/"
assert_output_contains "Login Succeeded"
assert_output_contains "WARNING! Your password will be stored unencrypted in $DOCKER_CONFIG/config.json"
no_secret_in_output
assert_eq "$(jq -r --arg r "$REG" '.auths[$r].auth' "$DOCKER_CONFIG/config.json" | base64 -d)" \
  "$BED_USER:$BED_PASSWORD" "the saved login"

# At a terminal: the prompts, the password not echoed.
logout_quietly() { "$MAB" logout "$REG" >/dev/null 2>&1; }
logout_quietly
if command -v script >/dev/null; then
  tty_out="$WORK/tty.out"
  : >"$tty_out"
  wait_for() { for _ in $(seq 100); do grep -qF "$1" "$tty_out" && return 0; sleep 0.1; done; return 1; }
  { wait_for "Username:" && printf '%s\n' "$BED_USER"
    wait_for "Password:" && printf '%s\n' "$BED_PASSWORD"
    wait_for "Login Succeeded"; } |
    script -qec "$MAB login $REG" /dev/null >"$tty_out" 2>&1 || true
  cp "$tty_out" "$WORK/last.out"
  assert_output_contains "Username: $BED_USER"
  assert_output_contains "Login Succeeded"
  no_secret_in_output
fi

mab build -t "$REG/app:1" --push --metadata-file "$WORK/meta.json" "$ctx"
no_secret_in_output
digest=$(jq -r '."containerimage.digest"' "$WORK/meta.json")
raw=$(skopeo inspect --raw --tls-verify=false --creds "$BED_USER:$BED_PASSWORD" "docker://$BED_REGISTRY/app:1")
assert_eq "sha256:$(printf '%s' "$raw" | sha256sum | cut -d' ' -f1)" "$digest" "the pushed manifest"
mab imagetools inspect "$REG/app:1"
assert_output_contains "Digest:    $digest"

mab logout "$REG"
assert_output_contains "Removing login credentials for $REG"
mab logout "$REG"
assert_output_contains "Not logged in to $REG"
mab_fails build -t "$REG/app:2" --push "$ctx"
assert_output_contains "$REG requires authentication"
no_secret_in_output

# A credential helper (credHelpers) that only answers outside mab's user namespace.
mkdir -p "$WORK/bin"
cat >"$WORK/bin/docker-credential-mabtest" <<HELPER
#!/bin/sh
if [ "\$(readlink /proc/self/ns/user)" != "$(readlink /proc/self/ns/user)" ]; then
  echo "run inside mab's user namespace" >&2; exit 3
fi
read -r server
echo "\$1 \$server" >>"$WORK/helper.log"
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "\$server" "$BED_USER" "$BED_PASSWORD"
HELPER
chmod +x "$WORK/bin/docker-credential-mabtest"
printf '{"credHelpers": {"%s": "mabtest"}}\n' "$REG" >"$DOCKER_CONFIG/config.json"
PATH="$WORK/bin:$PATH" mab build -t "$REG/app:3" --push "$ctx"
assert_output_contains "pushing manifest for $REG/app:3@$digest done"
assert_eq "$(sort -u "$WORK/helper.log")" "get $REG" "helper calls"
no_secret_in_output
echo ok
