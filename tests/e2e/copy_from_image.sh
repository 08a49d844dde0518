#!/usr/bin/env bash
# COPY --from=<image> (issue 5): a name that is no stage is an image, pulled through the
# resolver FROM uses, for each target platform: a two-platform build copies each
# platform's own busybox out of a multi-arch image in the registry bed. A
# --build-context NAME=docker-image://REF stands for COPY --from=NAME too, and an image
# the registry lacks fails naming it.
source "$(dirname "$0")/lib.sh"
need skopeo jq od
[[ $(id -u) -eq 0 ]] || skip "needs root to fetch foreign busybox packages"

start_registry_bed
bed_push_busybox "$BED_REGISTRY/library/busybox:1" linux/amd64,linux/arm64

# The ELF machine of a file: 3e00 is x86-64, b700 is AArch64.
elf_machine() { od -An -tx1 -j18 -N2 "$1" | tr -d ' \n'; }

ctx=$(new_context ctx <<DOCKERFILE
FROM scratch
COPY --from=$BED_PROXY/library/busybox:1 /bin/busybox /x
COPY --from=$BED_PROXY/library/busybox:1 --chmod=700 /bin/busybox /y
DOCKERFILE
)
mab build --platform linux/amd64,linux/arm64 -o type=local,dest="$WORK/out" "$ctx"
assert_output_contains "[internal] load metadata for $BED_PROXY/library/busybox:1"
assert_eq "$(elf_machine "$WORK/out/linux_amd64/x")" 3e00 "amd64 build copied the amd64 busybox"
assert_eq "$(elf_machine "$WORK/out/linux_arm64/x")" b700 "arm64 build copied the arm64 busybox"
assert_eq "$(stat -c %a "$WORK/out/linux_arm64/x")" 755 "mode kept from the image"
assert_eq "$(stat -c %a "$WORK/out/linux_arm64/y")" 700 "--chmod applied"
# The tag was resolved once for both platforms and both COPYs.
assert_eq "$(bed_requests GET /manifests/1 | wc -l)" 1 "tag lookups"

# A named context of kind docker-image:// is what COPY --from=NAME copies from.
ctx2=$(new_context ctx2 <<'DOCKERFILE'
FROM scratch
COPY --from=tools /bin/busybox /x
DOCKERFILE
)
mab build --platform linux/arm64 --build-context tools=docker-image://"$BED_PROXY/library/busybox:1" \
  -o type=local,dest="$WORK/out2" "$ctx2"
assert_eq "$(elf_machine "$WORK/out2/x")" b700 "docker-image:// context for COPY --from"

# An image the registry does not have: the error names the reference.
ctx3=$(new_context ctx3 <<DOCKERFILE
FROM scratch
COPY --from=$BED_PROXY/library/nothing:1 /x /x
DOCKERFILE
)
mab_fails build --platform linux/arm64 "$ctx3"
assert_output_contains "COPY --from=$BED_PROXY/library/nothing:1: no stage has that name, and as an image:"
assert_output_contains "Dockerfile:2"
echo ok
