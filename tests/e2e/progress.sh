#!/usr/bin/env bash
# --progress=plain|tty|rawjson|quiet|auto on real builds (issue 6): a two-platform
# build whose arm64 RUN runs under qemu, steps shared by two stages (CACHED), and a
# failing step, and a base image pulled from the registry bed (byte progress). Plain lines are checked with regexes, rawjson with python3's json,
# tty through a pseudo-terminal (tests/e2e/pty_screen.py replays the cursor moves).
source "$(dirname "$0")/lib.sh"
need python3 skopeo jq
need_root_amd64_with_qemu

ctx=$(busybox_context ctx amd64:amd64 arm64:arm64 <<'DOCKERFILE'
RUN ["/bin/busybox", "sh", "-c", "echo hello from $(/bin/busybox uname -m); /bin/busybox sleep 0.3; printf 'no newline'"]
COPY Dockerfile /d
DOCKERFILE
)
# --no-cache: the persistent cache would answer later builds of the same context
# without running the steps whose output this test reads.
stderr_of() { "$MAB" build --no-cache "$@" 2>"$WORK/err" >"$WORK/out" || { cp "$WORK/err" "$WORK/last.out"; fail "mab build $*"; }; }
# The number of the step whose header matches the regex $1 in $WORK/err.
step_number() { { grep -E "^#[0-9]+ $1\$" "$WORK/err" || true; } | head -n1 | sed -E 's/^#([0-9]+) .*/\1/'; }
has_line() { grep -E -- "$1" "$WORK/err" >/dev/null || { cp "$WORK/err" "$WORK/last.out"; fail "no line matching '$1'"; }; }

# --- plain: buildx's lines, the platform in the label, the emulation summary
stderr_of --progress=plain --platform linux/amd64,linux/arm64 -o type=oci,dest="$WORK/multi.tar" "$ctx"
arm=$(step_number '\[linux/arm64 2/3\] RUN .*')
amd=$(step_number '\[linux/amd64 2/3\] RUN .*')
[[ -n "$arm" && -n "$amd" ]] || { cp "$WORK/err" "$WORK/last.out"; fail "no RUN step headers with the platform"; }
has_line "^#$arm [0-9]+\.[0-9]{3} hello from aarch64\$"
has_line "^#$amd [0-9]+\.[0-9]{3} hello from x86_64\$"
# A last line without its newline is printed when the step ends.
has_line "^#$arm [0-9]+\.[0-9]{3} no newline\$"
has_line "^#$arm DONE [0-9]+\.[0-9]s\$"
has_line '^#1 \[internal\] load build definition from Dockerfile$'
has_line '^#1 transferring dockerfile: [0-9]+B done$'
has_line '^#[0-9]+ exporting to oci image format$'
has_line '^Slowest steps:$'
has_line "^ +[0-9]+\.[0-9]s  #$arm \[linux/arm64 2/3\] RUN "
has_line '^Emulated with qemu'
has_line "^  linux/arm64: 1 step, [0-9]+\.[0-9]s \(#$arm\)\$"
grep -E '^  linux/amd64:' "$WORK/err" >/dev/null && fail "amd64 runs natively but is listed as emulated"
# Every line is a step line, a blank line, a warning or part of the summary.
bad=$(grep -vE '^(#[0-9]+ .*|WARNING: .*|Slowest steps:|Emulated with qemu.*|  .*|)$' "$WORK/err" || true)
[[ -z "$bad" ]] || fail "lines plain mode does not print: $bad"

# --- CACHED: the second stage asks for the same vertices as the first
cat >"$ctx/Dockerfile.cached" <<'DOCKERFILE'
FROM scratch AS one
COPY bb/amd64/busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "echo built once"]
FROM scratch
COPY bb/amd64/busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "echo built once"]
COPY --from=one /bin/busybox /bb2
DOCKERFILE
stderr_of --progress=plain -f "$ctx/Dockerfile.cached" -o type=oci,dest="$WORK/cached.tar" "$ctx"
run=$(step_number '\[stage-1 2/3\] RUN .*')
[[ -n "$run" ]] || { cp "$WORK/err" "$WORK/last.out"; fail "no header for the shared RUN"; }
has_line "^#$run DONE "
has_line "^#$run CACHED\$"
assert_eq "$(grep -cE '^#[0-9]+ [0-9.]+ built once$' "$WORK/err")" 1 "the shared RUN's output (it ran once)"

# --- a failing step: its output, then ERROR with the reason
cat >"$ctx/Dockerfile.fail" <<'DOCKERFILE'
FROM scratch
COPY bb/amd64/busybox /bin/busybox
RUN ["/bin/busybox", "sh", "-c", "echo about to fail; exit 3"]
DOCKERFILE
set +e
"$MAB" build --no-cache --progress=plain -f "$ctx/Dockerfile.fail" "$ctx" 2>"$WORK/err" >/dev/null
status=$?
set -e
((status != 0)) || fail "the failing build succeeded"
failing=$(step_number '\[2/2\] RUN .*')
has_line "^#$failing [0-9]+\.[0-9]{3} about to fail\$"
has_line "^#$failing ERROR: process \"/bin/busybox sh -c echo about to fail; exit 3\" did not complete successfully: exit code: 3\$"

# --- rawjson: every line is a SolveStatus object with BuildKit's field names
stderr_of --progress=rawjson --platform linux/amd64,linux/arm64 -o type=oci,dest="$WORK/raw.tar" "$ctx"
python3 - "$WORK/err" <<'PY' || fail "rawjson output"
import base64, json, re, sys
stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")
names, logs, completed = {}, {}, set()
for line in open(sys.argv[1], encoding="utf-8"):
    status = json.loads(line)
    for v in status.get("vertexes", []):
        assert v["digest"].startswith("sha256:") and stamp.match(v["started"]), v
        names[v["digest"]] = v["name"]
        if "completed" in v:
            assert stamp.match(v["completed"]) and "error" not in v, v
            completed.add(v["digest"])
    for l in status.get("logs", []):
        assert l["stream"] == 1 and stamp.match(l["timestamp"]), l
        logs[l["vertex"]] = logs.get(l["vertex"], b"") + base64.b64decode(l["data"])
    assert set(status) <= {"vertexes", "logs", "warnings", "statuses"}, status
arm = [d for d, n in names.items() if re.match(r"\[linux/arm64 2/3\] RUN ", n)]
assert len(arm) == 1, names
assert logs[arm[0]] == b"hello from aarch64\nno newline", logs[arm[0]]
assert completed == set(names), "every vertex completed"
assert any(n == "exporting to oci image format" for n in names.values()), names
PY
# BUILDKIT_PROGRESS picks the mode when --progress is not given, as with buildx.
BUILDKIT_PROGRESS=rawjson stderr_of -o type=oci,dest="$WORK/env.tar" "$ctx"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$WORK/err" || fail "BUILDKIT_PROGRESS=rawjson"
BUILDKIT_PROGRESS=rawjson stderr_of --progress=plain -o type=oci,dest="$WORK/env.tar" "$ctx"
has_line '^#1 \[internal\] load build definition from Dockerfile$'

# --- quiet: nothing on stderr, the image digest on stdout (buildx -q)
stderr_of --progress=quiet --iidfile "$WORK/iid" -o type=oci,dest="$WORK/quiet.tar" "$ctx"
assert_eq "$(cat "$WORK/err")" "" "stderr of a quiet build"
assert_eq "$(cat "$WORK/out")" "$(cat "$WORK/iid")" "stdout of a quiet build"
[[ "$(cat "$WORK/out")" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "quiet stdout is not a digest"

# --- bad values name the flag or the variable
mab_fails build --progress=fancy "$ctx"
assert_output_contains 'invalid --progress "fancy": expected auto, plain, tty, quiet or rawjson'
BUILDKIT_PROGRESS=json mab_fails build "$ctx"
assert_output_contains 'invalid BUILDKIT_PROGRESS "json": expected auto, plain, tty, quiet or rawjson'

# --- tty through a pseudo-terminal 90 columns wide: redrawn while running, the last
# frame lists every step, lines fit the width
python3 "$E2E_DIR/pty_screen.py" 90 30 "$WORK/raw" -- "$MAB" build --no-cache --progress=tty \
  --platform linux/amd64,linux/arm64 -o type=oci,dest="$WORK/tty.tar" "$ctx" >"$WORK/screen" ||
  { cp "$WORK/screen" "$WORK/last.out"; fail "tty build"; }
cp "$WORK/screen" "$WORK/err"
grep -aE $'\x1b\\[[0-9]+A' "$WORK/raw" >/dev/null || fail "the tty view was never redrawn in place"
has_line '^\[\+\] Building [0-9]+\.[0-9]s \(([0-9]+)/\1\) FINISHED$'
has_line '^ => \[internal\] load build definition from Dockerfile +[0-9]+\.[0-9]s$'
has_line '^ => => transferring dockerfile: [0-9]+B done$'
has_line '^ => \[linux/arm64 2/3\] RUN .* +[0-9]+\.[0-9]s$'
has_line '^ => exporting to oci image format +[0-9]+\.[0-9]s$'
has_line '^  linux/arm64: 1 step, '
# A live frame's header ends at its count, where the last one says FINISHED.
grep -aE $'\\[\\+\\] Building [0-9.]+s \\([0-9]+/[0-9]+\\)\x1b\\[K' "$WORK/raw" >/dev/null ||
  fail "no live (unfinished) frame was drawn"
grep -aF ' => => # hello from aarch64' "$WORK/raw" >/dev/null || fail "the running step's output was not shown"
long=$(awk 'length($0) > 90' "$WORK/screen")
[[ -z "$long" ]] || fail "tty lines wider than the terminal: $long"

# A failure in tty mode: the view, then the failing step's whole output between rulers.
set +e
python3 "$E2E_DIR/pty_screen.py" 90 30 "$WORK/raw" -- "$MAB" build --no-cache --progress=tty -f "$ctx/Dockerfile.fail" "$ctx" \
  >"$WORK/screen"
status=$?
set -e
((status != 0)) || fail "the failing tty build succeeded"
cp "$WORK/screen" "$WORK/err"
has_line '^ => ERROR \[2/2\] RUN '
has_line '^ > \[2/2\] RUN \["/bin/busybox", "sh", "-c", "echo about to fail; exit 3"\]:$'
has_line '^[0-9]+\.[0-9]{3} about to fail$'
has_line 'ERROR: .*exit code: 3'

# --- a pull: each layer's bytes under the base image's step, buildx's "sha256:… 1.2MB / 1.2MB 0.1s done"
start_registry_bed
bed_push_busybox "$BED_REGISTRY/library/busybox:1" linux/arm64
layers=$(skopeo inspect --tls-verify=false --override-arch arm64 "docker://$BED_REGISTRY/library/busybox:1" |
  jq -r '.Layers[]')
[[ -n "$layers" ]] || fail "the pushed base has no layers"
pull_ctx=$(new_context pull <<DOCKERFILE
FROM $BED_PROXY/library/busybox:1
RUN echo pulled
DOCKERFILE
)
MAB_ROOT="$WORK/root-pull" stderr_of --progress=plain --platform linux/arm64 "$pull_ctx"
from=$(step_number "\[internal\] load image $BED_PROXY/library/busybox:1 \(linux/arm64\)")
[[ -n "$from" ]] || { cp "$WORK/err" "$WORK/last.out"; fail "no step for the base image"; }
for layer in $layers; do
  has_line "^#$from $layer [0-9.]+(B|kB|MB) / [0-9.]+(B|kB|MB)( [0-9]+\.[0-9]s)? done\$"
done
MAB_ROOT="$WORK/root-pull-json" stderr_of --progress=rawjson --platform linux/arm64 "$pull_ctx"
python3 - "$WORK/err" $layers <<'PY' || fail "rawjson statuses of a pull"
import json, sys
done = {}
for line in open(sys.argv[1], encoding="utf-8"):
    for s in json.loads(line).get("statuses", []):
        assert s["vertex"].startswith("sha256:") and s["total"] > 0 and s["current"] <= s["total"], s
        if "completed" in s:
            done[s["id"]] = s["current"] == s["total"]
assert all(done.get(layer) for layer in sys.argv[2:]), done
PY

# --- a push: each uploaded blob's bytes under the export step
MAB_ROOT="$WORK/root-push" stderr_of --progress=plain --platform linux/arm64 -t "$BED_PROXY/progress/app:1" --push "$ctx"
export_step=$(step_number 'exporting to image')
[[ -n "$export_step" ]] || { cp "$WORK/err" "$WORK/last.out"; fail "no export step"; }
pushed=$(skopeo inspect --tls-verify=false "docker://$BED_REGISTRY/progress/app:1" | jq -r '.Layers[]')
[[ -n "$pushed" ]] || fail "nothing was pushed"
for layer in $pushed; do
  has_line "^#$export_step $layer [0-9.]+(B|kB|MB) / [0-9.]+(B|kB|MB)( [0-9]+\.[0-9]s)? done\$"
done
has_line "^#$export_step pushing layers to $BED_PROXY/progress/app: [0-9]+ uploaded"

# auto: a terminal gets the tty view, a pipe gets plain lines.
python3 "$E2E_DIR/pty_screen.py" 90 30 "$WORK/raw" -- "$MAB" build --no-cache -o type=oci,dest="$WORK/auto.tar" "$ctx" \
  >"$WORK/err" || fail "auto on a terminal"
has_line 'FINISHED$'
stderr_of -o type=oci,dest="$WORK/auto.tar" "$ctx"
has_line '^#1 \[internal\] load build definition from Dockerfile$'
echo ok
