#include <fmt/format.h>

#include "cli/command.hpp"
#include "cli/flags.hpp"
#include "cli/version.hpp"
#include "oci/platform.hpp"

namespace mab::cli {

int run_version_command(const std::vector<std::string>& args, CommandContext&) {
    parse_flags(args, {});
    fmt::print("mab {}\n", k_version);
    fmt::print("host platform: {}\n", oci::Platform::host().str());
    fmt::print("platforms: see `mab binfmt`\n");
    return 0;
}

} // namespace mab::cli
