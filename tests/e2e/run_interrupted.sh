#!/usr/bin/env bash
# Stopping mab during a long RUN (SIGINT, SIGTERM, SIGKILL) leaves no mount, no process
# and no work dir behind, and the next build succeeds (issue 3).
source "$(dirname "$0")/lib.sh"
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"

ctx=$(new_context ctx <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN echo started && sleep 123
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh sleep echo

# The host's mounts a build could leave: anything under a mab path, overlays, binfmt_misc,
# tmpfs and proc (the sandbox's kinds). Other tests may mount unrelated things meanwhile.
build_mounts() { grep -E "mab|overlay|binfmt_misc| - (tmpfs|proc|sysfs|devpts) " /proc/self/mountinfo | sort || true; }
mounts_before=$(build_mounts)

stop_during_run() {  # stop_during_run SIGNAL
  local sig=$1 pid status
  # Emptied here, not by the background job's redirection: the loop below could read the
  # previous build's "started" before the new job truncates the file.
  : >"$WORK/last.out"
  "$MAB" build --progress=plain "$ctx" >"$WORK/last.out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep "#.* started" "$WORK/last.out" >/dev/null && break; sleep 0.1; done
  grep "#.* started" "$WORK/last.out" >/dev/null || fail "the RUN did not start"
  kill -s "$sig" "$pid"
  set +e
  wait "$pid"
  status=$?
  set -e
  [[ $status -ne 0 ]] || fail "mab exited 0 after $sig"
  for _ in $(seq 50); do pgrep -f "sleep 123" >/dev/null || break; sleep 0.1; done
  pgrep -f "sleep 123" >/dev/null && fail "the RUN's process survived $sig"
  assert_eq "$(build_mounts)" "$mounts_before" "the host's mounts after $sig"
  if [[ $sig != KILL ]]; then
    assert_eq "$(ls -A "$MAB_ROOT/tmp" | wc -l)" 0 "work dirs left after $sig"
    [[ $sig == INT ]] && assert_eq "$status" 130 "exit status after SIGINT"
  fi
  return 0
}

stop_during_run INT
stop_during_run TERM
stop_during_run KILL

# The next build runs (and clears what the killed one left).
sed -i 's/sleep 123/true/' "$ctx/Dockerfile"
mab build "$ctx"
assert_eq "$(ls -A "$MAB_ROOT/tmp" | wc -l)" 0 "work dirs after the next build"

# Rootless: SIGKILL leaves snapshots holding files of subordinate ids that the user
# cannot delete from outside its namespace; the next build still clears them.
if [[ $(id -u) -eq 0 ]] && command -v runuser >/dev/null; then
  user=mab-e2e
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
  grep -q "^$user:" /etc/subuid || echo "$user:300000:65536" >>/etc/subuid
  grep -q "^$user:" /etc/subgid || echo "$user:300000:65536" >>/etc/subgid
  for tool in mkdir chown chmod; do ln -s busybox "$ctx/rootfs/bin/$tool"; done
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
RUN mkdir -p /owned/deep && echo x > /owned/deep/f && chown -R 1000:1000 /owned && chmod 700 /owned /owned/deep
RUN echo started && sleep 124
DOCKERFILE
  cp "$MAB" "$WORK/mab" && chmod 755 "$WORK/mab"
  mkdir -p "$WORK/user-root" && chown "$user" "$WORK/user-root"
  chmod -R a+rX "$WORK"
  as_user() { runuser -u "$user" -- env MAB_ROOT="$WORK/user-root" MAB_CONFIG=/nonexistent "$WORK/mab" build "$ctx"; }
  : >"$WORK/last.out"  # as above: no "started" from an earlier build
  as_user >"$WORK/last.out" 2>&1 &
  for _ in $(seq 100); do grep "#.* started" "$WORK/last.out" >/dev/null && break; sleep 0.1; done
  grep "#.* started" "$WORK/last.out" >/dev/null || fail "the rootless RUN did not start"
  pkill -KILL -f "$WORK/mab build" || fail "no rootless mab to kill"
  set +e; wait; set -e
  for _ in $(seq 50); do pgrep -f "sleep 124" >/dev/null || break; sleep 0.1; done
  pgrep -f "sleep 124" >/dev/null && fail "the rootless RUN's process survived SIGKILL"
  assert_eq "$(build_mounts)" "$mounts_before" "the host's mounts after a rootless SIGKILL"
  sed -i 's/sleep 124/true/' "$ctx/Dockerfile"
  as_user >"$WORK/last.out" 2>&1 || fail "the rootless build after SIGKILL"
  assert_eq "$(ls -A "$WORK/user-root/tmp" | wc -l)" 0 "rootless work dirs after the next build"
fi
echo ok
