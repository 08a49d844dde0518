#!/usr/bin/env bash
# The quick-start build: examples/hello for three platforms into an OCI tarball,
# read back by skopeo and umoci (issue 2 acceptance).
source "$(dirname "$0")/lib.sh"
need skopeo umoci jq

mab build --platform linux/amd64,linux/arm64,linux/arm/v7 -t hello:1 \
  -o type=oci,dest="$WORK/out.tar" --metadata-file "$WORK/meta.json" "$REPO_DIR/examples/hello"

index=$(raw_manifest "$WORK/out.tar")
assert_eq "$(jq -r .mediaType <<<"$index")" "application/vnd.oci.image.index.v1+json" "index media type"
assert_eq "$(jq -r '.manifests | length' <<<"$index")" 3 "manifests in the index"
assert_eq "$(jq -r '[.manifests[].platform | "\(.os)/\(.architecture)/\(.variant // "")"] | join(",")' <<<"$index")" \
  "linux/amd64/,linux/arm64/,linux/arm/v7" "platforms in the index"

# The metadata file names the same index the archive holds.
digest=$(jq -r '."containerimage.digest"' "$WORK/meta.json")
assert_eq "sha256:$(printf '%s' "$index" | sha256sum | cut -d' ' -f1)" "$digest" "containerimage.digest"

# The layout's index.json names the image like BuildKit does.
tar -xOf "$WORK/out.tar" index.json >"$WORK/index.json"
assert_eq "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$WORK/index.json")" "1" "ref.name"
assert_eq "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' "$WORK/index.json")" "docker.io/library/hello:1" "image name"

# skopeo can copy the whole archive.
skopeo copy -q --all "oci-archive:$WORK/out.tar" "dir:$WORK/copied" >/dev/null || fail "skopeo copy --all"

# Each platform's image unpacks to exactly the expected tree.
check_tree() {
  local rootfs=$1 arch_text=$2
  local listing
  listing=$(cd "$rootfs" && find . -mindepth 1 | sort | tr '\n' ' ')
  assert_eq "$listing" "./hello ./hello/arch.txt ./hello/bin ./hello/bin/hello ./hello/bin/hi ./hello/hello.txt " "tree"
  assert_eq "$(cat "$rootfs/hello/arch.txt")" "$arch_text" "arch.txt"
  assert_eq "$(readlink "$rootfs/hello/bin/hi")" "hello" "symlink target"
  assert_eq "$(stat -c '%u:%g' "$rootfs/hello/hello.txt")" "0:0" "owner"
  assert_eq "$(stat -c '%a' "$rootfs/hello/bin/hello")" "755" "chmod of bin/hello"
  assert_eq "$(stat -c '%a' "$rootfs/hello/hello.txt")" "$(stat -c '%a' "$REPO_DIR/examples/hello/hello.txt")" "mode kept"
}
check_tree "$(unpack_platform "$WORK/out.tar" amd64)" "built for x86-64 (linux/amd64)"
check_tree "$(unpack_platform "$WORK/out.tar" arm64)" "built for 64-bit ARM (linux/arm64)"
check_tree "$(unpack_platform "$WORK/out.tar" arm v7)" "built for 32-bit ARM (linux/arm/v7)"

# Config per platform: architecture, env with the target platform, workdir, cmd, labels.
for p in amd64: arm64: arm:v7; do
  arch=${p%%:*} variant=${p#*:}
  args=(--override-os linux --override-arch "$arch")
  [[ -n "$variant" ]] && args+=(--override-variant "$variant")
  config=$(skopeo inspect --config "${args[@]}" "oci-archive:$WORK/out.tar")
  assert_eq "$(jq -r .architecture <<<"$config")" "$arch" "config architecture"
  want="linux/$arch${variant:+/$variant}"
  assert_eq "$(jq -r '.config.Env | map(select(startswith("BUILT_FOR="))) | .[0]' <<<"$config")" "BUILT_FOR=$want" "env"
  assert_eq "$(jq -r .config.WorkingDir <<<"$config")" "/hello" "workdir"
  assert_eq "$(jq -c .config.Cmd <<<"$config")" '["/hello/bin/hello"]' "cmd"
  assert_eq "$(jq -r '.config.Labels["org.opencontainers.image.title"]' <<<"$config")" "hello" "label"
  assert_eq "$(jq -r .created <<<"$config")" "1970-01-01T00:00:00Z" "created without SOURCE_DATE_EPOCH"
done

# Shared work ran once: `COPY hello.txt /hello/` is the same op for every
# platform (3 runs -> 1); the steps after the per-arch COPY differ per platform.
assert_eq "$(jq -r '."mab.vertices.cached"' "$WORK/meta.json")" 2 "deduplicated steps"
assert_eq "$(jq -r '."mab.vertices.executed"' "$WORK/meta.json")" 10 "executed steps"
echo "ok"
