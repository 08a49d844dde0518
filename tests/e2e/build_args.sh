#!/usr/bin/env bash
# ARG and ENV as a RUN sees them and as the image records them: declared ARGs (global
# ones re-declared, a base stage's inherited) reach RUN's environment but never the
# config; --build-arg proxies reach RUN without an ARG and stay out of config and
# history; RUN's history names the declared ARGs as BuildKit does ("|N K=v").
source "$(dirname "$0")/lib.sh"
need skopeo jq

ctx=$(new_context ctx <<'DOCKERFILE'
ARG GLOBAL=g
ARG UNDECLARED=never-seen
FROM scratch AS base
COPY rootfs/ /
ARG VERSION=1.0
FROM base
ARG GLOBAL
ARG EMPTY
ENV FROM_ENV=$GLOBAL-$VERSION
RUN env | sort > /env.txt
DOCKERFILE
)
busybox_rootfs "$ctx/rootfs" sh env sort

args=(--build-arg HTTP_PROXY=http://proxy.invalid:3128 --build-arg no_proxy=localhost "$ctx")
mab build -o type=local,dest="$WORK/out" "${args[@]}"
env_txt="$WORK/out/env.txt"
for line in GLOBAL=g VERSION=1.0 FROM_ENV=g-1.0 HTTP_PROXY=http://proxy.invalid:3128 \
  http_proxy=http://proxy.invalid:3128 NO_PROXY=localhost no_proxy=localhost; do
  grep -qxF -- "$line" "$env_txt" || fail "RUN's environment lacks $line: $(cat "$env_txt")"
done
if grep -E '^(UNDECLARED|EMPTY)=' "$env_txt" >/dev/null; then fail "an undeclared or valueless ARG reached RUN"; fi
# Proxies given as --build-arg are never reported as unused.
if grep 'were not consumed' "$WORK/last.out" >/dev/null; then fail "proxy build args reported unused"; fi

mab build -o type=oci,dest="$WORK/img.tar" "${args[@]}"
skopeo inspect --config "oci-archive:$WORK/img.tar" >"$WORK/config.json" || fail "skopeo inspect --config"
assert_eq "$(jq -r '.config.Env | join(" ")' "$WORK/config.json")" \
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin FROM_ENV=g-1.0" "config Env holds no ARG"
assert_eq "$(jq -r '.history[-1].created_by' "$WORK/config.json")" \
  "RUN |3 VERSION=1.0 GLOBAL=g EMPTY= /bin/sh -c env | sort > /env.txt # buildkit" "RUN's history"
if jq -r '.history[].created_by' "$WORK/config.json" | grep -i proxy >/dev/null; then
  fail "a proxy setting reached the history"
fi
echo PASS
