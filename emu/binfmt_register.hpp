// Writing and removing binfmt_misc handlers in one mounted instance: mab's private one
// (binfmt.hpp) or, only for `mab binfmt --install/--uninstall`, the host's
// (host_handlers.hpp). The one place that formats a registration line.
#pragma once

#include <filesystem>
#include <string>

#include "emu/arch_table.hpp"

namespace mab::emu {

// "qemu-aarch64": the entry name mab (and Debian, and tonistiigi/binfmt) registers.
std::string handler_name(const ArchInfo& arch);

// True if `dir` is a mounted binfmt_misc file system.
bool is_binfmt_mount(const std::filesystem::path& dir);

// Registers <dir>/qemu-<name> for `arch` with interpreter `qemu` and flags POCF (P keeps
// argv[0], which busybox-style binaries need; O/C hand qemu the binary as an fd with its
// credentials; F opens qemu now, so it works after pivot_root). Returns false, changing
// nothing, when an entry of that name exists already. Throws Error(emulation) naming
// the entry and the kernel's reason when the kernel refuses.
bool register_qemu_handler(const std::filesystem::path& dir, const ArchInfo& arch,
                           const std::filesystem::path& qemu);

// Removes the entry <dir>/<entry> (writes -1 to it). Returns false when there is no such
// entry; throws Error(emulation) when the kernel refuses.
bool remove_handler(const std::filesystem::path& dir, const std::string& entry);

} // namespace mab::emu
