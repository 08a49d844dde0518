// `mab binfmt --install/--uninstall`: host-wide qemu handlers for users who want them, as
// tonistiigi/binfmt manages them (root only). This is the only code in mab that changes
// the host's binfmt_misc; builds never do (they register in their own instance, see
// binfmt.hpp). The registration line itself is written by binfmt_register.hpp.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "emu/arch_table.hpp"
#include "emu/binfmt.hpp"

namespace mab::emu {

enum class HandlerOutcome {
    done,       // installed / removed
    unchanged,  // already registered / not registered
    skipped,    // native on this host, or (for "all") no qemu installed for it
    failed,
};

struct HandlerChange {
    std::string name;                   // as asked ("arm64", "linux/arm/v7"), or the row's for "all"
    std::string entry;                  // "qemu-aarch64"
    std::filesystem::path interpreter;  // install: the qemu registered (or found registered)
    HandlerOutcome outcome = HandlerOutcome::failed;
    std::string detail;                 // why unchanged, skipped or failed
};

enum class HandlerList { install, uninstall };

// Throws Error(usage) naming the first name in `list` that mab has no handler for (see
// install_handlers and uninstall_handlers for what each accepts). Changes nothing.
void check_handler_list(std::string_view list, HandlerList use);

// Makes sure this process may change the handlers in `dir`, the host's binfmt_misc: it
// must be root in the host's (initial) user namespace, and binfmt_misc is mounted on
// `dir` when it is not yet (the handlers live only while it stays mounted, so it is left
// mounted). Throws Error(emulation) saying what is missing. Returns true if it mounted.
bool open_host_binfmt(const std::filesystem::path& dir = k_host_binfmt_dir);

// `list`: comma-separated architectures or platforms as tonistiigi/binfmt takes them
// ("arm64,riscv64", "linux/arm/v7", "all"; "all" means every foreign row of the arch
// table whose qemu is installed). Registers qemu-<name> with flags POCF and the qemu
// emu finds (find_qemu) in `dir`, skipping what is already registered and platforms the
// host runs natively. A name mab has no row for throws Error(usage) before anything
// changes; each other problem is reported in its HandlerChange.
std::vector<HandlerChange> install_handlers(std::string_view list, const std::filesystem::path& dir);

// Like install_handlers' list, plus entry names ("qemu-aarch64"); "all" means every
// qemu-<name> of the arch table that is registered. Writes -1 to each entry.
std::vector<HandlerChange> uninstall_handlers(std::string_view list, const std::filesystem::path& dir);

} // namespace mab::emu
