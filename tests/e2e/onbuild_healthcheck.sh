#!/usr/bin/env bash
# ONBUILD triggers of a base image run in the child build (COPY and RUN, in order,
# not passed on), and HEALTHCHECK lands in the config as BuildKit writes it (ns),
# inherited from the base and replaced by HEALTHCHECK NONE. Read with skopeo
# inspect --config --raw: without --raw skopeo decodes the OCI schema, which has
# neither OnBuild nor Healthcheck.
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq
[[ -x /bin/busybox ]] || skip "/bin/busybox (Debian busybox-static) is not installed"
[[ "$(uname -m)" == x86_64 ]] || skip "this test builds linux/amd64 natively"

base=$(new_context base <<'DOCKERFILE'
FROM scratch
COPY rootfs/ /
HEALTHCHECK --interval=30s --timeout=1500ms --retries=2 CMD ["/bin/true"]
ONBUILD COPY app.txt /app/
ONBUILD RUN cat /app/app.txt > /app/seen
DOCKERFILE
)
busybox_rootfs "$base/rootfs" sh cat true
mab build --platform linux/amd64 -o type=oci,dest="$WORK/layout",tar=false,name=base:1 "$base"
config=$(skopeo inspect --config --raw "oci:$WORK/layout:1")
assert_eq "$(jq -c .config.OnBuild <<<"$config")" '["COPY app.txt /app/","RUN cat /app/app.txt > /app/seen"]' "OnBuild recorded"
assert_eq "$(jq -c .config.Healthcheck <<<"$config")" \
  '{"Interval":30000000000,"Retries":2,"Test":["CMD","/bin/true"],"Timeout":1500000000}' "Healthcheck"
history=$(jq -r '.history[].created_by' <<<"$config")
[[ "$history" == *"HEALTHCHECK {Test:[CMD /bin/true] Interval:30s Timeout:1.5s StartPeriod:0s StartInterval:0s Retries:2}"* ]] ||
  fail "HEALTHCHECK history entry missing: $history"

app=$(new_context app <<'DOCKERFILE'
FROM base AS inherits
LABEL app=yes

FROM base AS disabled
HEALTHCHECK NONE
DOCKERFILE
)
echo "from the app" >"$app/app.txt"
mab build --platform linux/amd64 --build-context base=oci-layout://"$WORK/layout":1 --target inherits \
  -o type=oci,dest="$WORK/app.tar" "$app"
assert_output_contains "ONBUILD RUN cat /app/app.txt > /app/seen"
root=$(unpack_platform "$WORK/app.tar" amd64)
assert_eq "$(cat "$root/app/seen")" "from the app" "the triggers ran in order, on the child's context"
config=$(skopeo inspect --config --raw "oci-archive:$WORK/app.tar")
assert_eq "$(jq -c .config.OnBuild <<<"$config")" null "triggers are not passed on"
assert_eq "$(jq -c .config.Healthcheck.Test <<<"$config")" '["CMD","/bin/true"]' "Healthcheck inherited"
assert_eq "$(jq -r .config.Labels.app <<<"$config")" yes "the stage's own instructions ran after the triggers"

mab build --platform linux/amd64 --build-context base=oci-layout://"$WORK/layout":1 \
  -o type=oci,dest="$WORK/disabled.tar" "$app"
config=$(skopeo inspect --config --raw "oci-archive:$WORK/disabled.tar")
assert_eq "$(jq -c .config.Healthcheck <<<"$config")" '{"Test":["NONE"]}' "HEALTHCHECK NONE replaces the inherited one"
echo ok
