# Pipes never end in `grep -q`: it exits early, the writer dies of SIGPIPE, and
# pipefail turns that into a failure. Use `grep … >/dev/null`.
#
# Shared helpers for end-to-end tests: each test runs the real mab binary as a user
# would and checks its output with independent readers (skopeo, umoci, tar, jq).
# Source it; $MAB is the binary under test (meson passes it).
set -euo pipefail

: "${MAB:?MAB must point at the mab binary}"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)

WORK=$(mktemp -d /tmp/mab-e2e.XXXXXX)
chmod 755 "$WORK"
export MAB_ROOT="$WORK/root"
# No settings file unless a test writes one: the machine's own mab.yaml must not leak in.
export MAB_CONFIG="$WORK/mab.yaml"
cleanup() {
  stop_registry_bed
  stop_file_server
  rm -rf "$WORK"
}
trap cleanup EXIT

# Fail with a message (and the output of the last command, if captured).
fail() {
  echo "FAIL: $*" >&2
  [[ -f "$WORK/last.out" ]] && { echo "--- output of the last mab run:" >&2; tail -n 40 "$WORK/last.out" >&2; }
  exit 1
}

# Skip loudly (meson counts exit 77 as SKIP).
skip() { echo "SKIP: $*" >&2; exit 77; }

need() { for t in "$@"; do command -v "$t" >/dev/null || skip "$t is not installed (scripts/setup.sh installs it)"; done; }

# Runs mab; its combined output goes to $WORK/last.out. Fails the test if mab fails.
mab() {
  local status=0
  "$MAB" "$@" >"$WORK/last.out" 2>&1 || status=$?
  ((status == 0)) || fail "mab $* exited with $status"
}

# Runs mab expecting failure; sets $MAB_STATUS and keeps the output in $WORK/last.out.
mab_fails() {
  set +e
  "$MAB" "$@" >"$WORK/last.out" 2>&1
  MAB_STATUS=$?
  set -e
  [[ $MAB_STATUS -ne 0 ]] || fail "mab $* succeeded but should have failed"
}

assert_eq() { [[ "$1" == "$2" ]] || fail "${3:-values differ}: expected '$2', got '$1'"; }
assert_contains() { grep -qF -- "$2" "$1" || fail "'$1' does not contain '$2'"; }
assert_output_contains() { grep -qF -- "$1" "$WORK/last.out" || fail "mab output does not contain '$1'"; }

# "EXECUTED CACHED" from a --metadata-file's mab.vertices counters (needs jq).
vertex_counts() { jq -r '"\(."mab.vertices.executed") \(."mab.vertices.cached")"' "$1"; }

# Makes a build context directory from a heredoc Dockerfile: new_context NAME <<'EOF' … EOF
new_context() {
  local dir="$WORK/$1"
  mkdir -p "$dir"
  cat >"$dir/Dockerfile"
  echo "$dir"
}

# The OCI index (or manifest) that an oci-archive holds, as skopeo reads it.
raw_manifest() { skopeo inspect --raw "oci-archive:$1"; }

# Unpacks one platform's image from an OCI archive with umoci; prints the rootfs dir.
# skopeo selects the platform (umoci reads a single-manifest layout).
unpack_platform() {
  local archive=$1 arch=$2 variant=${3:-} dir
  dir=$(mktemp -d "$WORK/unpack.XXXXXX")
  local args=(--override-os linux --override-arch "$arch")
  [[ -n "$variant" ]] && args+=(--override-variant "$variant")
  skopeo copy -q "${args[@]}" "oci-archive:$archive" "oci:$dir/layout:img" >/dev/null ||
    fail "skopeo copy of $arch from $archive"
  local rootless=()
  [[ $(id -u) -eq 0 ]] || rootless=(--rootless)   # as root, umoci sets the real owners
  umoci unpack "${rootless[@]}" --image "$dir/layout:img" "$dir/bundle" >/dev/null 2>"$dir/umoci.err" ||
    { cat "$dir/umoci.err" >&2; fail "umoci unpack of $arch"; }
  echo "$dir/bundle/rootfs"
}

# "mode uid:gid type" of a path, for tree assertions.
stat_line() { stat -c '%a %u:%g %F' "$1"; }

# Copies Debian's busybox-static into DIR/ARCH/busybox for each DEBARCH:ARCH pair
# (fetched once into a cache; the test is skipped when one cannot be fetched).
fetch_busyboxes() {
  local dir=$1 pair deb arch bin
  shift
  for pair in "$@"; do
    deb=${pair%%:*} arch=${pair#*:}
    bin=$("$REPO_DIR/emu/testdata/fetch-busybox.sh" "$deb") || skip "cannot fetch busybox-static:$deb"
    mkdir -p "$dir/$arch" && cp "$bin" "$dir/$arch/busybox"
  done
}

# A host-platform rootfs at DIR for `COPY rootfs/ /`: the host's busybox-static as
# /bin/busybox with a link per TOOL, and empty /etc and /tmp (1777).
busybox_rootfs() {
  local dir=$1 tool
  shift
  mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp"
  chmod 1777 "$dir/tmp"
  cp /bin/busybox "$dir/bin/busybox"
  for tool in "$@"; do ln -s busybox "$dir/bin/$tool"; done
}

# A build context on the host's busybox: FROM scratch + COPY of busybox_rootfs with
# each TOOL, then the Dockerfile lines read from stdin. Prints the context directory.
host_busybox_context() {
  local name=$1 dir
  shift
  dir=$({ printf '%s\n' 'FROM scratch' 'COPY rootfs/ /'; cat; } | new_context "$name")
  busybox_rootfs "$dir/rootfs" "$@"
  echo "$dir"
}

# Puts Debian's busybox-static at CTX/bb/<arch>/busybox for each DEBIAN_ARCH:OCI_ARCH
# pair, for `COPY bb/${TARGETARCH}/busybox`.
copy_busybox() {
  local ctx=$1
  shift
  fetch_busyboxes "$ctx/bb" "$@"
}

# A build context on the busybox base: FROM scratch + Debian's busybox-static for
# $TARGETARCH, then the Dockerfile lines read from stdin. Arguments after the name are
# copy_busybox's DEBIAN_ARCH:OCI_ARCH pairs. Prints the context directory.
busybox_context() {
  local name=$1 dir
  shift
  dir=$({ printf '%s\n' 'FROM scratch' 'ARG TARGETARCH' 'COPY bb/${TARGETARCH}/busybox /bin/busybox'; cat; } | new_context "$name")
  copy_busybox "$dir" "$@"
  echo "$dir"
}

# As root: makes sure the non-root test user NAME exists with subordinate id ranges.
ensure_subid_user() {
  local user=$1
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user" || skip "cannot create $user"
  grep -q "^$user:" /etc/subuid || echo "$user:300000:65536" >>/etc/subuid
  grep -q "^$user:" /etc/subgid || echo "$user:300000:65536" >>/etc/subgid
}

# The non-root test user (root only): mab-e2e, with subordinate id ranges.
E2E_USER=mab-e2e
ensure_e2e_user() { ensure_subid_user "$E2E_USER"; }
# Lets mab-e2e use $WORK: a copy of mab at $WORK/mab (the checkout may be out of its
# reach) and a world-writable $WORK/out.
share_work_with_e2e_user() {
  cp "$MAB" "$WORK/mab" && chmod 755 "$WORK/mab"
  mkdir -p "$WORK/out" && chmod 777 "$WORK/out"
  chmod -R a+rX "$WORK"
}
# Runs a command as mab-e2e, with its own HOME and no MAB_ROOT.
as_e2e_user() { runuser -u "$E2E_USER" -- env -u MAB_ROOT HOME="$(getent passwd "$E2E_USER" | cut -d: -f6)" XDG_DATA_HOME="$(user_data_home)" "$@"; }
# A data home (so a default storage root, $XDG_DATA_HOME/mab) of this test's own for
# non-root users: the persistent cache in their real home would carry records made by
# other tests and other builds of mab.
user_data_home() {
  chmod a+x "$WORK"
  mkdir -p "$WORK/xdg" && chmod 1777 "$WORK/xdg"
  echo "$WORK/xdg"
}

# Skips unless the test runs as root (to create the test user and fetch foreign busybox
# packages) on an amd64 host (the tests' expected machines) with qemu-user-static.
need_root_amd64_with_qemu() {
  need runuser
  [[ $(id -u) -eq 0 ]] || skip "needs root to create the test user and fetch foreign busybox packages"
  [[ "$(uname -m)" == x86_64 ]] || skip "the expected machines assume an amd64 host"
  ls /usr/bin/qemu-aarch64-static >/dev/null 2>&1 || skip "qemu-user-static is not installed"
}

# Host mounts a build of this test could have leaked: anything under the test's work
# dir or storage root (the sandbox's own mounts live in mab's private namespace; other
# tests and tools may mount unrelated things meanwhile, which must not count).
test_mounts() { grep -F -e "$WORK" -e "$MAB_ROOT" /proc/self/mountinfo | sort || true; }

# The host's binfmt_misc: every entry with its contents, and the status (read-only).
HOST_BINFMT=/proc/sys/fs/binfmt_misc
host_binfmt_listing() {
  local entry
  for entry in $(ls "$HOST_BINFMT" 2>/dev/null | sort); do
    [[ $entry == register ]] && continue
    echo "== $entry"
    cat "$HOST_BINFMT/$entry" 2>/dev/null || true
  done
}
host_binfmt_mounted() { [[ "$(stat -f -c %T "$HOST_BINFMT" 2>/dev/null)" == binfmt_misc ]]; }

# The registry test bed (tests/registry/registry_bed.py: Debian's docker-registry and a
# logging, fault-injecting proxy in front of it) for this test, with the bed's ARGS
# (--tls, --auth basic|token, ...). Sets BED_DIR, BED_REGISTRY and BED_PROXY (host:port);
# the proxy logs every request to $BED_DIR/proxy.log and reads $BED_DIR/faults.json.
# Stopped when the test exits.
BED_PID=
start_registry_bed() {
  [[ -x /usr/bin/docker-registry ]] || skip "docker-registry is not installed (scripts/setup.sh installs it)"
  need python3 jq
  BED_DIR=$(mktemp -d "$WORK/bed.XXXXXX")
  mkfifo "$BED_DIR/stdin"
  python3 "$REPO_DIR/tests/registry/registry_bed.py" --dir "$BED_DIR" "$@" <"$BED_DIR/stdin" >"$BED_DIR/ready" 2>"$BED_DIR/start.log" &
  BED_PID=$!
  exec {BED_STDIN}>"$BED_DIR/stdin"  # the bed runs until this closes
  for _ in $(seq 300); do [[ -s "$BED_DIR/ready" ]] && break; kill -0 "$BED_PID" 2>/dev/null || break; sleep 0.1; done
  [[ -s "$BED_DIR/ready" ]] || { cat "$BED_DIR/start.log" >&2; fail "the registry test bed did not start"; }
  BED_REGISTRY=$(jq -r .registry "$BED_DIR/ready")
  BED_PROXY=$(jq -r .proxy "$BED_DIR/ready")
  BED_USER=$(jq -r .user "$BED_DIR/ready")          # for --auth basic|token
  BED_PASSWORD=$(jq -r .password "$BED_DIR/ready")
}
stop_registry_bed() {
  [[ -n "$BED_PID" ]] || return 0
  exec {BED_STDIN}>&-
  wait "$BED_PID" 2>/dev/null || true
  BED_PID=
}
# Requests the bed's proxy saw whose method is $1 and whose path contains $2.
bed_requests() { jq -r --arg m "$1" --arg p "$2" 'select(.method == $m and (.path | contains($p))) | .path' "$BED_DIR/proxy.log" 2>/dev/null || true; }
# Requests that upload blobs (start, mount, PATCH or PUT under /blobs/uploads/), counted.
bed_upload_requests() { jq -r 'select(.path | contains("/blobs/uploads/")) | .method' "$BED_DIR/proxy.log" | wc -l; }
clear_bed_log() { : >"$BED_DIR/proxy.log"; }
# skopeo reading a manifest from the bed (plain HTTP).
bed_raw_manifest() { skopeo inspect --raw --tls-verify=false "docker://$1"; }

# Pushes a busybox base image to the bed with skopeo, as REF (host:port/repo:tag):
# PLATFORMS is a comma list (Debian's busybox-static for each, via
# scripts/make-busybox-base.sh) or "host" (the host's own busybox with sh and uname).
# Further arguments go to skopeo copy (e.g. --dest-creds USER:PASSWORD).
# A static HTTP server on 127.0.0.1 serving $1 (Last-Modified = each file's mtime):
# sets FILE_SERVER (http://127.0.0.1:PORT) and FILE_SERVER_LOG (request paths, a line each).
start_file_server() {
  need python3
  local dir=$1 state
  state=$(mktemp -d "$WORK/http.XXXXXX")
  mkfifo "$state/stdin"
  FILE_SERVER_LOG="$state/requests.log"
  python3 "$REPO_DIR/tests/http/file_server.py" --dir "$dir" --ready "$state/port" --log "$FILE_SERVER_LOG" \
    <"$state/stdin" 2>"$state/server.err" &
  FILE_SERVER_PID=$!
  exec {FILE_SERVER_STDIN}>"$state/stdin"  # the server runs until this closes
  for _ in $(seq 100); do [[ -s "$state/port" ]] && break; kill -0 "$FILE_SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  [[ -s "$state/port" ]] || { cat "$state/server.err" >&2; fail "the HTTP file server did not start"; }
  FILE_SERVER="http://127.0.0.1:$(cat "$state/port")"
}
stop_file_server() {
  [[ -n "${FILE_SERVER_PID:-}" ]] || return 0
  exec {FILE_SERVER_STDIN}>&-
  wait "$FILE_SERVER_PID" 2>/dev/null || true
  FILE_SERVER_PID=
}

bed_push_busybox() {
  local ref=$1 platforms=$2 dir
  shift 2
  dir=$(mktemp -d "$WORK/base.XXXXXX")
  if [[ $platforms == host ]]; then
    printf 'FROM scratch\nCOPY rootfs/ /\n' >"$dir/Dockerfile"
    busybox_rootfs "$dir/rootfs" sh uname
    mab build -o type=oci,dest="$dir/layout",tar=false,name=base:latest "$dir"
  else
    MAB="$MAB" "$REPO_DIR/scripts/make-busybox-base.sh" "$dir/layout" "$platforms" >"$WORK/last.out" 2>&1 ||
      fail "make-busybox-base.sh"
  fi
  skopeo copy --quiet --all --dest-tls-verify=false "$@" oci:"$dir/layout:latest" "docker://$ref" >/dev/null ||
    fail "skopeo could not push the base to $ref"
}

# debian:bookworm for PLATFORMS as Docker Hub would serve it, without Docker Hub: made by
# scripts/make-debian-base.sh (debootstrap, as root), pushed to a registry test bed, and
# reached through a docker.io mirror entry in this test's mab.yaml.
debian_base_behind_mirror() {
  MAB="$MAB" "$REPO_DIR/scripts/make-debian-base.sh" "$WORK/debian" "$1" >"$WORK/last.out" 2>&1 ||
    fail "make-debian-base.sh"
  start_registry_bed
  skopeo copy --quiet --all --dest-tls-verify=false "oci:$WORK/debian:bookworm" \
    "docker://$BED_PROXY/library/debian:bookworm" >/dev/null || fail "pushing the Debian base"
  printf 'registries:\n  docker.io:\n    mirrors: ["%s"]\n' "$BED_PROXY" >"$MAB_CONFIG"
}
