// The subcommand table: the single source of command names, summaries and help.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "cli/config_file.hpp"
#include "cli/error_printer.hpp"

namespace mab::cli {

// What every command gets from the global flags.
struct GlobalOptions {
    std::filesystem::path root;  // storage root (--root, MAB_ROOT, or the default)
};

struct CommandContext {
    GlobalOptions global;
    SourceRegistry* sources = nullptr;  // for error printing
    ConfigFile config;                  // mab.yaml, read before the command runs
};

struct Command {
    std::string name;
    std::string summary;
    // Runs the command with its own arguments; returns the exit code.
    std::function<int(const std::vector<std::string>& args, CommandContext& ctx)> run;
};

const std::vector<Command>& command_table();

int run_build_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_bake_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_binfmt_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_login_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_logout_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_manifest_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_imagetools_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_du_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_prune_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_info_command(const std::vector<std::string>& args, CommandContext& ctx);
int run_version_command(const std::vector<std::string>& args, CommandContext& ctx);

// The storage root: --root, else $MAB_ROOT, else /var/lib/mab for root, else
// $XDG_DATA_HOME/mab or ~/.local/share/mab.
std::filesystem::path default_storage_root();

} // namespace mab::cli
