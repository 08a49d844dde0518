#!/usr/bin/env bash
# Byte progress while writing outputs: a tarball (type=oci, docker, tar; dest=-) reports
# "sending tarball", a directory (type=local, oci with tar=false) "copying files", as a
# transfer of the export step. rawjson carries it as a status whose last current ==
# total == the bytes written: the files inside an image tarball (blobs and JSON, not
# tar headers), a type=tar file's own size, the files a directory output holds. Plain
# prints buildx's lines in buildx's order.
source "$(dirname "$0")/lib.sh"
need python3 jq

ctx=$(host_busybox_context ctx sh head <<'DOCKERFILE'
RUN head -c 3000000 /dev/urandom >/big && echo small >/small
DOCKERFILE
)
# Runs a build with the progress on $WORK/err; stdout goes to $WORK/out.
build() { "$MAB" build "$@" 2>"$WORK/err" >"$WORK/out" || { cp "$WORK/err" "$WORK/last.out"; fail "mab build $*"; }; }

# The last "ID" status of the step named STEP in the rawjson $WORK/err, checked on the
# way (every status of it belongs to that step, never goes back, never passes its
# total, and only the last is complete); prints "current total".
final_status() {
  python3 - "$WORK/err" "$1" "$2" <<'PY' || { cp "$WORK/err" "$WORK/last.out"; fail "rawjson status '$2' of '$1'"; }
import json, sys
path, step, ident = sys.argv[1:]
names, seen = {}, []
for line in open(path, encoding="utf-8"):
    status = json.loads(line)
    for v in status.get("vertexes", []):
        names[v["digest"]] = v["name"]
    for s in status.get("statuses", []):
        if s["id"] == ident:
            assert names.get(s["vertex"]) == step, (names.get(s["vertex"]), s)
            seen.append(s)
assert seen, f"no {ident!r} status"
for before, after in zip(seen, seen[1:]):
    assert after["current"] >= before["current"], (before, after)
    assert "completed" not in before, before
for s in seen:
    assert s["total"] == 0 or s["current"] <= s["total"], s
last = seen[-1]
assert "completed" in last and last["current"] == last["total"], last
print(last["current"], last["total"])
PY
}
# Bytes of the regular files inside tarball $1 (python's tarfile reads it).
tar_file_bytes() { python3 -c 'import sys, tarfile; print(sum(m.size for m in tarfile.open(sys.argv[1]) if m.isfile()))' "$1"; }
# Bytes of the regular files below directory $1, each inode once.
dir_file_bytes() {
  python3 - "$1" <<'PY'
import os, sys
seen, total = set(), 0
for root, dirs, files in os.walk(sys.argv[1]):
    for name in files:
        st = os.lstat(os.path.join(root, name))
        if os.path.isfile(os.path.join(root, name)) and not os.path.islink(os.path.join(root, name)) and (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
print(total)
PY
}

# --- rawjson, an OCI tarball: current == total == the bytes of the files in it
build --progress=rawjson -o type=oci,dest="$WORK/img.tar" "$ctx"
read -r current total < <(final_status "exporting to oci image format" "sending tarball")
in_tar=$(tar_file_bytes "$WORK/img.tar")
((in_tar > 3000000)) || fail "the tarball holds $in_tar bytes of files; the 3 MB layer is missing"
assert_eq "$current $total" "$in_tar $in_tar" "sending tarball: current and total"

# --- plain, the same: buildx's lines in buildx's order, the bytes on the last one
build --progress=plain --no-cache -o type=oci,dest="$WORK/plain.tar" "$ctx"
step=$({ grep -E '^#[0-9]+ exporting to oci image format$' "$WORK/err" || true; } | sed -E 's/^#([0-9]+) .*/\1/')
[[ -n "$step" ]] || { cp "$WORK/err" "$WORK/last.out"; fail "no export step"; }
manifest=$(python3 -c 'import json, sys, tarfile; t = tarfile.open(sys.argv[1]); print(json.load(t.extractfile("index.json"))["manifests"][0]["digest"])' "$WORK/plain.tar")
config=$(python3 -c 'import json, sys, tarfile; t = tarfile.open(sys.argv[1]); print(json.load(t.extractfile("blobs/sha256/" + sys.argv[2].split(":")[1]))["config"]["digest"])' "$WORK/plain.tar" "$manifest")
size=$(tar_file_bytes "$WORK/plain.tar")
# The step's own lines, less the "0B / …" start and any in between (at most every 5 % or 5 s).
lines=$(grep -E "^#$step " "$WORK/err" | grep -vE "^#$step sending tarball [0-9.]+(B|kB|MB) / [0-9.]+(B|kB|MB)( [0-9]+\.[0-9]s)?\$" || true)
expected="#$step exporting to oci image format
#$step exporting layers done
#$step exporting manifest $manifest done
#$step exporting config $config done
#$step sending tarball SIZE / SIZE TIME done
#$step DONE TIME"
got=$(sed -E "s/ [0-9]+\.[0-9]s( done)?\$/ TIME\1/; s/sending tarball [0-9.]+(B|kB|MB) \/ [0-9.]+(B|kB|MB)/sending tarball SIZE \/ SIZE/; s/ sending tarball SIZE \/ SIZE done\$/ sending tarball SIZE \/ SIZE TIME done/" <<<"$lines")
[[ "$got" == "$expected" ]] || { cp "$WORK/err" "$WORK/last.out"; fail "plain export lines: expected
$expected
got
$got"; }
has_size=$(python3 -c 'import sys; print("%.2fMB" % (int(sys.argv[1]) / 1e6))' "$size")
grep -E "^#$step sending tarball $has_size / $has_size( [0-9]+\.[0-9]s)? done\$" "$WORK/err" >/dev/null ||
  { cp "$WORK/err" "$WORK/last.out"; fail "no 'sending tarball $has_size / $has_size … done' line"; }

# --- tty: the transfer's line under the export step, in the last frame complete
python3 "$E2E_DIR/pty_screen.py" 100 30 "$WORK/raw" -- "$MAB" build --progress=tty -o type=oci,dest="$WORK/tty.tar" \
  "$ctx" >"$WORK/screen" || { cp "$WORK/screen" "$WORK/last.out"; fail "tty build"; }
has_size=$(python3 -c 'import sys; print("%.2fMB" % (int(sys.argv[1]) / 1e6))' "$(tar_file_bytes "$WORK/tty.tar")")
grep -E "^ => => sending tarball $has_size / $has_size +[0-9]+\.[0-9]s\$" "$WORK/screen" >/dev/null ||
  { cp "$WORK/screen" "$WORK/last.out"; fail "no ' => => sending tarball $has_size / $has_size' line in the tty view"; }

# --- dest=-: the tarball on stdout, the progress on stderr only
build --progress=plain -o type=oci,dest=- "$ctx"
on_stdout=$(tar_file_bytes "$WORK/out") || fail "stdout is not a tarball"
err=$(cat "$WORK/err")
[[ "$err" == *"sending tarball"*" done"* ]] || { cp "$WORK/err" "$WORK/last.out"; fail "no sending tarball line on stderr"; }
head -c 512 "$WORK/out" | grep -a '^#[0-9]' >/dev/null && fail "progress lines on stdout"
build --progress=rawjson -o type=docker,dest=- "$ctx"
read -r current total < <(final_status "exporting to docker image format" "sending tarball")
assert_eq "$current" "$(tar_file_bytes "$WORK/out")" "docker tarball on stdout: sending tarball"

# --- the final filesystem: type=tar counts its own bytes (the total known at the end)
build --progress=rawjson -o type=tar,dest="$WORK/fs.tar" "$ctx"
read -r current total < <(final_status "sending tarball" "sending tarball")
assert_eq "$current" "$(stat -c %s "$WORK/fs.tar")" "type=tar: sending tarball is the tarball's size"

# --- directories: type=local counts its files, an OCI layout the blobs it lacked
build --progress=rawjson -o type=local,dest="$WORK/local" "$ctx"
read -r current total < <(final_status "copying files to client" "copying files")
assert_eq "$current" "$(dir_file_bytes "$WORK/local")" "type=local: copying files"
((current > 3000000)) || fail "type=local copied $current bytes; /big is missing"
build --progress=rawjson -o type=oci,tar=false,dest="$WORK/layout" "$ctx"
read -r current total < <(final_status "exporting to oci image format" "copying files")
assert_eq "$current" "$(dir_file_bytes "$WORK/layout")" "oci tar=false: copying files"
# Again into the same layout: its blobs are there, only the two JSON files are written.
build --progress=rawjson -o type=oci,tar=false,dest="$WORK/layout" "$ctx"
read -r current total < <(final_status "exporting to oci image format" "copying files")
assert_eq "$current" "$(($(stat -c %s "$WORK/layout/index.json") + $(stat -c %s "$WORK/layout/oci-layout")))" \
  "oci tar=false over an existing layout"
echo ok
