#!/usr/bin/env bash
# mab as an unprivileged user: the same build works from a non-root shell, with the
# default storage root under the user's home, and files in the image owned by root.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq

user=mab-e2e
if [[ $(id -u) -eq 0 ]]; then
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user" || skip "cannot create $user"
  as_user() { runuser -u "$user" -- env -u MAB_ROOT HOME="$(getent passwd "$user" | cut -d: -f6)" XDG_DATA_HOME="$(user_data_home)" "$@"; }
else
  as_user() { env -u MAB_ROOT "$@"; }
fi

# The checkout may sit where the user cannot reach (/root/…): run a copy of the binary.
cp "$MAB" "$WORK/mab" && chmod 755 "$WORK/mab"
MAB_AS_USER="$WORK/mab"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY hello.txt /srv/hello.txt
WORKDIR /srv/work
DOCKERFILE
)
echo hello >"$ctx/hello.txt"
chmod -R a+rX "$WORK"
out="$WORK/out"
mkdir -p "$out" && chmod 777 "$out"

as_user "$MAB_AS_USER" build --platform linux/amd64,linux/arm64 -o type=oci,dest="$out/img.tar" "$ctx" >"$WORK/last.out" 2>&1 ||
  fail "build as $user"
root=$(unpack_platform "$out/img.tar" arm64)
assert_eq "$(stat -c '%u:%g' "$root/srv/hello.txt")" "0:0" "owner in the image"
assert_eq "$(stat -c '%u:%g' "$root/srv/work")" "0:0" "WORKDIR owner in the image"
# The image is reproducible across users: root's build gives the same digest.
as_user "$MAB_AS_USER" build --platform linux/amd64,linux/arm64 -o type=oci,dest="$out/img2.tar" \
  --metadata-file "$out/user.json" "$ctx" >"$WORK/last.out" 2>&1 || fail "second build as $user"
"$MAB" build --platform linux/amd64,linux/arm64 -o type=oci,dest="$WORK/root.tar" \
  --metadata-file "$WORK/root.json" "$ctx" >"$WORK/last.out" 2>&1 || fail "build as $(id -un)"
assert_eq "$(jq -r '."containerimage.digest"' "$out/user.json")" "$(jq -r '."containerimage.digest"' "$WORK/root.json")" \
  "digest as $user and as $(id -un)"

if [[ $(id -u) -eq 0 ]]; then
  ctx2=$(new_context chown <<'DOCKERFILE'
FROM scratch
COPY --chown=1000:1000 hello.txt /x
DOCKERFILE
)
  echo hi >"$ctx2/hello.txt"
  chmod -R a+rX "$WORK"

  # With subordinate ids (useradd gives new users ranges): other owners work.
  grep -q "^$user:" /etc/subuid || echo "$user:300000:65536" >>/etc/subuid
  grep -q "^$user:" /etc/subgid || echo "$user:300000:65536" >>/etc/subgid
  as_user "$MAB_AS_USER" build -o type=oci,dest="$out/chown.tar" "$ctx2" >"$WORK/last.out" 2>&1 ||
    fail "COPY --chown=1000:1000 as $user with subordinate ids"
  root=$(unpack_platform "$out/chown.tar" "$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')")
  assert_eq "$(stat -c '%u:%g' "$root/x")" "1000:1000" "owner from a subordinate range"

  # Without them: a single-id map, a warning, and a clear error for other owners.
  noids=mab-e2e-noids
  id "$noids" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$noids" || skip "cannot create $noids"
  sed -i "/^$noids:/d" /etc/subuid /etc/subgid
  if runuser -u "$noids" -- env -u MAB_ROOT HOME="$(getent passwd "$noids" | cut -d: -f6)" XDG_DATA_HOME="$(user_data_home)/$noids" \
      "$MAB_AS_USER" build -o type=oci,dest="$out/noids.tar" "$ctx2" >"$WORK/last.out" 2>&1; then
    fail "COPY --chown=1000 as $noids without subordinate ids should fail clearly"
  fi
  assert_output_contains "Dockerfile:2"
  assert_output_contains "subuid"
  [[ ! -e "$out/noids.tar" ]] || fail "output left behind after the error"
fi
# The user's default storage root ($XDG_DATA_HOME/mab, here the test's own) is private.
data_home=$(as_user sh -c 'echo ${XDG_DATA_HOME:-$HOME/.local/share}')
assert_eq "$(as_user stat -c %a "$data_home/mab")" 700 "storage root mode"
echo ok
