#include <cstdlib>
#include <unistd.h>

#include "base/error.hpp"
#include "cli/command.hpp"

namespace mab::cli {

const std::vector<Command>& command_table() {
    static const std::vector<Command> k_commands{
        {"build", "Build images from a Dockerfile, for one or several platforms", run_build_command},
        {"bake", "Build several targets from a bake or compose file as one solve", run_bake_command},
        {"imagetools", "Inspect images in registries, and merge them into multi-platform images", run_imagetools_command},
        {"manifest", "Manage manifest lists (docker manifest's workflow)", run_manifest_command},
        {"login", "Log in to a registry", run_login_command},
        {"logout", "Log out from a registry", run_logout_command},
        {"binfmt", "Show which platforms RUN steps can run for, and how (native, qemu)", run_binfmt_command},
        {"du", "Show the disk usage of the build cache", run_du_command},
        {"prune", "Remove build cache", run_prune_command},
        {"info", "Show the storage root, snapshotter, platforms, GC policy and cache usage", run_info_command},
        {"version", "Show the mab version, host platform and available emulators", run_version_command},
    };
    return k_commands;
}

std::filesystem::path default_storage_root() {
    if (const char* env = std::getenv("MAB_ROOT"); env && *env) return env;
    if (::geteuid() == 0) return "/var/lib/mab";
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
        return std::filesystem::path(xdg) / "mab";
    const char* home = std::getenv("HOME");
    if (!home || !*home)
        throw Error(ErrorKind::usage, "cannot find a storage root: HOME is not set")
            .with_hint("pass --root DIR or set MAB_ROOT");
    return std::filesystem::path(home) / ".local" / "share" / "mab";
}

} // namespace mab::cli
