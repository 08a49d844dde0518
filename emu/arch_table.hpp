// The one architecture table: OCI platform <-> qemu-user name <-> `uname -m` <-> ELF
// machine <-> Debian architecture. Detection, binfmt registration and test matrices
// all read this table, so adding an architecture is one row.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "emu/qemu_locator.hpp"
#include "oci/platform.hpp"

namespace mab::emu {

struct ArchInfo {
    std::string_view architecture;   // OCI: "arm64"
    std::string_view variant;        // OCI: "v7" or ""
    std::string_view qemu_name;      // "aarch64" (qemu-aarch64-static)
    std::string_view uname_machine;  // what `uname -m` prints inside: "aarch64"
    std::string_view debian_arch;    // "arm64", "armhf"; "" when Debian has no such port
    unsigned elf_machine;            // EM_AARCH64 …
    // binfmt_misc magic and mask over the first 20 ELF header bytes, written with \x
    // escapes exactly as the kernel's register file takes them (from qemu's
    // scripts/qemu-binfmt-conf.sh / Debian's /usr/share/binfmts/qemu-*).
    std::string_view binfmt_magic;
    std::string_view binfmt_mask;
};

std::span<const ArchInfo> arch_table();

// The row for a platform (variant-aware for arm), or nullptr if mab knows none.
const ArchInfo* find_arch(const oci::Platform& platform);

// True if a `host` machine executes `target` binaries without an emulator (itself, 386
// on amd64, arm/v6 on arm/v7).
bool runs_natively(const ArchInfo& target, const ArchInfo& host);

// The raw bytes of a "\x7f\x45…" binfmt string (binfmt_magic / binfmt_mask).
std::string binfmt_bytes(std::string_view escaped);

} // namespace mab::emu
