#!/usr/bin/env bash
# COPY/ADD as Dockerfile users expect them: directories copy their contents, wildcards,
# destination rules, --chown/--chmod, ADD of a local tar, multi-stage COPY --from,
# --target, build args. Checked in the image umoci unpacks.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq tar

ctx=$(new_context ctx <<'DOCKERFILE'
ARG BASE_DIR=/opt
FROM scratch AS files
ARG BASE_DIR
COPY dir/ ${BASE_DIR}/dir/
COPY *.txt ${BASE_DIR}/texts/
COPY --chown=1000:2000 --chmod=0640 one.txt /owned.txt
COPY --chown=1000 two.txt /owned-uid.txt
ADD archive.tar.gz /unpacked/
COPY archive.tar.gz /kept/
COPY link /followed
COPY dir/sub/deep.txt /renamed.txt

FROM scratch AS final
COPY --from=files /opt/dir /copied-dir
COPY --from=0 /owned.txt /from-index.txt
ENV A=1 B="two words"
USER 1000:1000
EXPOSE 80 53/udp
VOLUME /data
STOPSIGNAL SIGTERM
ENTRYPOINT ["/bin/app"]
DOCKERFILE
)
mkdir -p "$ctx/dir/sub" "$WORK/tarsrc/t"
echo one >"$ctx/one.txt"; echo two >"$ctx/two.txt"; echo deep >"$ctx/dir/sub/deep.txt"
echo top >"$ctx/dir/top.txt"; ln -s one.txt "$ctx/link"
ln -s ../top.txt "$ctx/dir/sub/rel-link"
echo inside >"$WORK/tarsrc/t/inside.txt"
tar -czf "$ctx/archive.tar.gz" -C "$WORK/tarsrc" t

# --target files
mab build --platform linux/amd64 --target files -o type=oci,dest="$WORK/files.tar" "$ctx"
root=$(unpack_platform "$WORK/files.tar" amd64)
assert_eq "$(cat "$root/opt/dir/top.txt")" top "dir contents copied"
assert_eq "$(cat "$root/opt/dir/sub/deep.txt")" deep "nested dir"
[[ ! -e "$root/opt/dir/dir" ]] || fail "the directory itself was copied, not its contents"
assert_eq "$(readlink "$root/opt/dir/sub/rel-link")" "../top.txt" "symlink inside a dir kept as a link"
assert_eq "$(cd "$root/opt/texts" && ls | tr '\n' ' ')" "one.txt two.txt " "wildcard into dir/"
assert_eq "$(stat_line "$root/owned.txt")" "640 1000:2000 regular file" "--chown --chmod"
assert_eq "$(stat -c '%u:%g' "$root/owned-uid.txt")" "1000:1000" "--chown uid only"
assert_eq "$(stat -c '%u:%g' "$root/opt/texts/one.txt")" "0:0" "context files owned by root"
assert_eq "$(cat "$root/unpacked/t/inside.txt")" inside "ADD extracts a local tar"
[[ -f "$root/kept/archive.tar.gz" ]] || fail "COPY must not extract archives"
assert_eq "$(cat "$root/followed")" one "a top-level source symlink is followed"
[[ -f "$root/followed" && ! -L "$root/followed" ]] || fail "/followed should be a file"
assert_eq "$(cat "$root/renamed.txt")" deep "file to file path"

# final stage (default target)
mab build --platform linux/arm64 -o type=oci,dest="$WORK/final.tar" "$ctx"
root=$(unpack_platform "$WORK/final.tar" arm64)
assert_eq "$(cat "$root/copied-dir/top.txt")" top "COPY --from=stage"
assert_eq "$(stat_line "$root/from-index.txt")" "640 1000:2000 regular file" "COPY --from=0 keeps owners"
[[ ! -e "$root/opt" ]] || fail "the final stage must not contain the first stage's files"
config=$(skopeo inspect --config "oci-archive:$WORK/final.tar")
assert_eq "$(jq -c '.config.Env' <<<"$config")" '["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=1","B=two words"]' "env"
assert_eq "$(jq -r '.config.User' <<<"$config")" "1000:1000" "user"
assert_eq "$(jq -c '.config.ExposedPorts' <<<"$config")" '{"53/udp":{},"80/tcp":{}}' "exposed ports"
assert_eq "$(jq -c '.config.Volumes' <<<"$config")" '{"/data":{}}' "volumes"
assert_eq "$(jq -r '.config.StopSignal' <<<"$config")" "SIGTERM" "stop signal"
assert_eq "$(jq -c '.config.Entrypoint' <<<"$config")" '["/bin/app"]' "entrypoint"
assert_eq "$(jq -r '.config.Labels // {} | length' <<<"$config")" 0 "no labels"
# history: one entry per instruction that made a layer or changed the config
assert_eq "$(jq -r '[.history[] | select(.empty_layer != true)] | length' <<<"$config")" \
  "$(jq -r '.rootfs.diff_ids | length' <<<"$config")" "history entries with layers"

# build args override ARG defaults, --label adds labels
mab build --platform linux/amd64 --target files --build-arg BASE_DIR=/srv --label team=core \
  -o type=oci,dest="$WORK/args.tar" "$ctx"
root=$(unpack_platform "$WORK/args.tar" amd64)
[[ -f "$root/srv/dir/top.txt" ]] || fail "--build-arg BASE_DIR=/srv was not used"
assert_eq "$(skopeo inspect --config "oci-archive:$WORK/args.tar" | jq -r '.config.Labels.team')" core "--label"
echo ok
