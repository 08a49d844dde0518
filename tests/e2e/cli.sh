#!/usr/bin/env bash
# The command line: help, version, flag errors with suggestions, exit codes.
source "$(dirname "$0")/lib.sh"

mab --help
assert_output_contains "Usage: mab"
assert_output_contains "build"
mab build --help
assert_output_contains "--platform"
assert_output_contains "type=oci,dest="
assert_output_contains "Examples:"
mab version
assert_output_contains "mab 0.1.0"
assert_output_contains "host platform: linux/"

mab binfmt --json
host=$("$MAB" version | sed -n 's/^host platform: //p')
jq -e --arg h "$host" '.supported | index($h)' "$WORK/last.out" >/dev/null || fail "mab binfmt --json does not list the host platform $host"
jq -e --arg h "$host" '.platforms[] | select(.platform == $h) | .how == "native"' "$WORK/last.out" >/dev/null ||
  fail "the host platform is not native in mab binfmt --json"
mab binfmt
assert_output_contains "native"

mab_fails build --platfrom linux/arm64 .
assert_eq "$MAB_STATUS" 2 "usage exit status"
assert_output_contains "unknown flag: --platfrom (did you mean --platform?)"

mab_fails build --platform linux/arm65 .
assert_output_contains "linux/arm65"
assert_output_contains "arm64"

mab_fails build -o type=oci,dset=x .
assert_output_contains "did you mean dest?"

mab_fails biuld .
assert_output_contains "did you mean build?"

mab_fails build
assert_output_contains "requires exactly 1 argument"

mab_fails build -t 'Bad:Tag' .
assert_output_contains "Bad:Tag"

# --metadata-file and --iidfile for a multi-platform OCI build.
ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY f /f
DOCKERFILE
)
echo x >"$ctx/f"
mab build --platform linux/amd64,linux/s390x -o type=oci,dest="$WORK/o.tar" \
  --metadata-file "$WORK/meta.json" --iidfile "$WORK/iid" "$ctx"
digest=$(jq -r '."containerimage.digest"' "$WORK/meta.json")
[[ "$digest" == sha256:* ]] || fail "metadata has no digest"
assert_eq "$(cat "$WORK/iid")" "$digest" "iidfile for a multi-platform build"
assert_output_contains "#"
assert_output_contains "DONE"
# mab.yaml's qemu-path: a directory searched for static qemu first; bad values name the line.
if [[ -x /usr/bin/qemu-aarch64-static ]]; then
  mkdir -p "$WORK/qemu"
  cp /usr/bin/qemu-aarch64-static "$WORK/qemu/"
  printf 'qemu-path: %s\n' "$WORK/qemu" >"$MAB_CONFIG"
  mab binfmt --json
  assert_eq "$(jq -r '.platforms[] | select(.platform == "linux/arm64") | .interpreter' "$WORK/last.out")" \
    "$WORK/qemu/qemu-aarch64-static" "qemu found through qemu-path"
  printf 'snapshotter: native\nqemu-path: [relative/dir]\n' >"$MAB_CONFIG"
  mab_fails binfmt
  assert_output_contains "$MAB_CONFIG:2: qemu-path: expected absolute directories"
  mab version  # still works, to report what is wrong
  rm "$MAB_CONFIG"
fi

# mab.yaml's registries: bad settings name the file and line.
printf 'registries:\n  reg.example:\n    mirors: [m.example]\n' >"$MAB_CONFIG"
mab_fails binfmt
assert_output_contains "$MAB_CONFIG:3: unknown registry setting \"mirors\" (did you mean mirrors?)"
printf 'registries:\n  reg.example:\n    http: yes-please\n' >"$MAB_CONFIG"
mab_fails binfmt
assert_output_contains "$MAB_CONFIG:3: registries: reg.example: http: expected true or false"
rm "$MAB_CONFIG"

# --build-context docker-image:// needs a valid reference.
mab_fails build --build-context base=docker-image://Bad/Ref "$ctx"
assert_eq "$MAB_STATUS" 2 "exit status of a bad docker-image reference"
echo ok
