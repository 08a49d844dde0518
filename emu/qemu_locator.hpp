// Where qemu-user is found. RUNs execute after pivot_root into the image, where the
// host's shared libraries are not, so only statically linked qemu binaries count; the
// binfmt F flag then opens the binary itself at registration. Searched in order:
//  1. the directories of mab.yaml's `qemu-path:` (set once at start-up by the CLI);
//  2. qemu-<name>-static on $PATH;
//  3. /usr/bin/qemu-<name>-static, /usr/libexec/qemu-binfmt/<name>-binfmt-P (Debian's
//     qemu-user-static and qemu-user-binfmt);
//  4. qemu-<name> on $PATH and in /usr/bin, when it is a static binary.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace mab::emu {

struct ArchInfo;

// Directories searched before anything else (mab.yaml `qemu-path:`). Call before any
// build thread starts.
void set_qemu_search_dirs(std::vector<std::filesystem::path> dirs);

// The first static qemu-user for `arch` in the order above, or nullopt.
std::optional<std::filesystem::path> find_qemu(const ArchInfo& arch);

// True if `path` is an ELF executable without a program interpreter (PT_INTERP).
bool is_static_elf(const std::filesystem::path& path);

// The places find_qemu looks, in order, for `qemu_name` ("aarch64"): for error messages.
std::vector<std::filesystem::path> qemu_candidates(std::string_view qemu_name);

} // namespace mab::emu
