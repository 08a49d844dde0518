// The one architecture table: OCI platform <-> qemu-user name <-> `uname -m` <-> ELF
// machine <-> Debian architecture. Detection, binfmt registration and test matrices
// all read this table, so adding an architecture is one row.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string_view>

#include "oci/platform.hpp"

namespace mab::emu {

struct ArchInfo {
    std::string_view architecture;   // OCI: "arm64"
    std::string_view variant;        // OCI: "v7" or ""
    std::string_view qemu_name;      // "aarch64" (qemu-aarch64-static)
    std::string_view uname_machine;  // what `uname -m` prints inside: "aarch64"
    std::string_view debian_arch;    // "arm64", "armhf"
    unsigned elf_machine;            // EM_AARCH64 …
};

std::span<const ArchInfo> arch_table();

// The row for a platform (variant-aware for arm), or nullptr if mab knows none.
const ArchInfo* find_arch(const oci::Platform& platform);

// Where qemu-user for this architecture is installed (qemu-<name>-static from Debian's
// qemu-user-static, else qemu-<name>), or nullopt.
std::optional<std::filesystem::path> find_qemu(const ArchInfo& arch);

} // namespace mab::emu
