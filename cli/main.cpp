// mab's entry: global flags, the subcommand table, and the one try/catch that prints.
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/command.hpp"
#include "cli/error_printer.hpp"
#include "cli/flags.hpp"
#include "cli/version.hpp"
#include "emu/qemu_locator.hpp"

namespace {

using namespace mab;
using namespace mab::cli;

const std::vector<FlagSpec> k_global_flags{
    {"root", 0, "DIR", "Storage root for content and snapshots", "~/.local/share/mab, /var/lib/mab as root, $MAB_ROOT"},
    {"help", 'h', "", "Show help", ""},
    {"version", 'v', "", "Show the version", ""},
};

std::string main_help() {
    std::string out =
        "Usage: mab [OPTIONS] COMMAND\n\n"
        "A daemonless, rootless, multi-platform container image builder.\n\n"
        "Commands:\n";
    for (const Command& c : command_table()) out += fmt::format("  {:<10} {}\n", c.name, c.summary);
    out += "\nGlobal options:\n" + format_flag_help(k_global_flags);
    out += "\nExamples:\n"
           "  mab build --platform linux/amd64,linux/arm64 -o type=oci,dest=out.tar .\n"
           "  mab build -t app:1 -o type=docker,dest=app.tar .\n\n"
           "Run 'mab COMMAND --help' for more information on a command.\n";
    return out;
}

int run(const std::vector<std::string>& args, SourceRegistry& sources) {
    // Global flags stop at the first word that is not a flag: the command.
    size_t i = 0;
    std::vector<std::string> global_args;
    while (i < args.size() && args[i].rfind("-", 0) == 0) {
        global_args.push_back(args[i]);
        if (args[i] == "--root" && i + 1 < args.size()) global_args.push_back(args[++i]);
        ++i;
    }
    ParsedFlags global = parse_flags(global_args, k_global_flags);
    if (global.flag("version")) {
        fmt::print("mab {}\n", k_version);
        return 0;
    }
    if (global.flag("help") || i == args.size()) {
        fmt::print("{}", main_help());
        return i == args.size() && !global.flag("help") ? 2 : 0;
    }

    CommandContext ctx;
    ctx.sources = &sources;
    ctx.global.root = global.last("root") ? std::filesystem::path(*global.last("root")) : std::filesystem::path();
    const std::string& name = args[i];
    std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
    std::vector<std::string> names;
    for (const Command& c : command_table()) {
        if (c.name == name) {
            if (ctx.global.root.empty()) ctx.global.root = default_storage_root();
            // `mab version` works even with a broken settings file, to report it.
            if (c.name != "version") {
                ctx.config = load_config_file();
                emu::set_qemu_search_dirs(ctx.config.qemu_path);
            }
            return c.run(rest, ctx);
        }
        names.push_back(c.name);
    }
    throw Error(ErrorKind::usage, fmt::format("unknown command \"{}\"{}", name, did_you_mean(name, names)))
        .with_hint("run 'mab --help' for the list of commands");
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    SourceRegistry sources;
    try {
        return run(args, sources);
    } catch (const Error& e) {
        print_error(stderr, e, sources);
        return exit_code_for(e.kind());
    } catch (const std::exception& e) {
        fmt::print(stderr, "ERROR: {}\n", e.what());
        return 1;
    }
}
