#include <fmt/format.h>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/imagetools.hpp"
#include "cli/registry_settings.hpp"

namespace mab::cli {

namespace {

const char* const k_help =
    "Usage: mab imagetools COMMAND\n\n"
    "Work with images in registries.\n\n"
    "Commands:\n"
    "  create     Create a new image (an index) from existing images and indexes, and push it\n"
    "  inspect    Show the manifest or index an image reference names\n\n"
    "Run 'mab imagetools COMMAND --help' for more information on a command.\n";

} // namespace

RegistrySession::RegistrySession(const CommandContext& ctx)
    : storage(ctx.global.root), store(storage.content_dir()), client(registry_settings(ctx.config), store) {}

int run_imagetools_command(const std::vector<std::string>& args, CommandContext& ctx) {
    if (args.empty() || args.front() == "--help" || args.front() == "-h") {
        fmt::print("{}", k_help);
        return args.empty() ? 2 : 0;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args.front() == "inspect") return run_imagetools_inspect(rest, ctx);
    if (args.front() == "create") return run_imagetools_create(rest, ctx);
    throw Error(ErrorKind::usage, fmt::format("unknown imagetools command \"{}\"{}", args.front(),
                                              did_you_mean(args.front(), {"create", "inspect"})))
        .with_hint("mab imagetools inspect REF, or mab imagetools create -t REF SOURCE...");
}

} // namespace mab::cli
