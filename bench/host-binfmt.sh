#!/usr/bin/env bash
# Runs one command with qemu-<name> registered in the HOST's binfmt_misc, for tools that
# need the host's handlers (buildah); mab does not (it registers its own inside its user
# namespace). The registration lives exactly as long as the command:
#
#   host-binfmt.sh aarch64 -- buildah build ...
#
# We work in a private mount namespace. If the host has no binfmt_misc mounted, the
# instance we mount there dies with the namespace and takes the handler with it (Linux
# drops the entries of an unmounted binfmt_misc), so the host's listing never changes,
# even if this script is killed. If the host has it mounted, the instance is shared: the
# handler is then visible on the host for the command's duration and the trap removes it.
# A handler of the same name that the host already had is used and left alone.
# Magic and mask come from emu/arch_table.cpp, the one table mab itself uses.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?usage: host-binfmt.sh QEMU_NAME -- COMMAND...}
shift
[[ ${1:-} == -- ]] && shift
(($#)) || { echo "host-binfmt: no command given" >&2; exit 2; }

if [[ -z ${MAB_BENCH_BINFMT_NS:-} ]]; then
  export MAB_BENCH_BINFMT_NS=1
  exec unshare --mount --propagation private -- "$0" "$name" -- "$@"
fi

dir=/proc/sys/fs/binfmt_misc
[[ -e $dir/register ]] || mount -t binfmt_misc binfmt_misc "$dir"

if [[ -e $dir/qemu-$name ]]; then
  grep -q '^flags:.*F' "$dir/qemu-$name" ||
    { echo "host-binfmt: the host's qemu-$name handler lacks the F flag; buildah's RUN cannot find qemu after pivot_root" >&2; exit 1; }
  "$@"
  exit
fi

# The arch table row for this qemu name, e.g.
#   {"arm64", "", "aarch64", "aarch64", "arm64", EM_AARCH64, k_aarch64_magic, k_le_mask},
table=$repo/emu/arch_table.cpp
row=$(grep -E "^\s*\{\"[^\"]*\", \"[^\"]*\", \"$name\"," "$table" | head -n1)
[[ -n $row ]] || { echo "host-binfmt: no row for qemu-$name in $table" >&2; exit 1; }
read -r magic_const mask_const < <(sed -E 's/.*, (k_[a-z0-9_]+), (k_[a-z0-9_]+)\}.*/\1 \2/' <<<"$row")
constant() { sed -n "/constexpr std::string_view $1 =/{n;s/.*R\"(\(.*\))\".*/\1/p}" "$table"; }
magic=$(constant "$magic_const")
mask=$(constant "$mask_const")
[[ -n $magic && -n $mask ]] || { echo "host-binfmt: cannot read $magic_const/$mask_const from $table" >&2; exit 1; }
qemu=/usr/bin/qemu-$name-static
[[ -x $qemu ]] || { echo "host-binfmt: $qemu is missing (apt-get install qemu-user-static)" >&2; exit 1; }

trap '[[ -e $dir/qemu-$name ]] && echo -1 >"$dir/qemu-$name"' EXIT
printf ':qemu-%s:M::%s:%s:%s:F\n' "$name" "$magic" "$mask" "$qemu" >"$dir/register"
"$@"
