#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/flags.hpp"
#include "cli/version.hpp"
#include "emu/arch_table.hpp"
#include "oci/platform.hpp"

namespace mab::cli {

int run_version_command(const std::vector<std::string>& args, CommandContext&) {
    parse_flags(args, {});
    fmt::print("mab {}\n", k_version);
    fmt::print("host platform: {}\n", oci::Platform::host().str());
    fmt::print("emulators:\n");
    const emu::ArchInfo* native = emu::find_arch(oci::Platform::host());
    for (const emu::ArchInfo& arch : emu::arch_table()) {
        std::string platform = "linux/" + std::string(arch.architecture);
        if (!arch.variant.empty()) platform += "/" + std::string(arch.variant);
        auto qemu = emu::find_qemu(arch);
        std::string how = &arch == native ? "native"
                          : qemu          ? qemu->string()
                                          : "no qemu-user found (apt-get install qemu-user-static)";
        fmt::print("  {:<16} {}\n", platform, how);
    }
    return 0;
}

} // namespace mab::cli
