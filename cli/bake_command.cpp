#include <unistd.h>

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/termination.hpp"
#include "cli/bake_file.hpp"
#include "cli/bake_request.hpp"
#include "cli/bake_resolve.hpp"
#include "cli/build_request.hpp"
#include "cli/command.hpp"
#include "cli/credential_broker.hpp"
#include "cli/flags.hpp"
#include "cli/load_output.hpp"
#include "cli/metadata_file.hpp"
#include "cli/outside_runner.hpp"
#include "cli/registry_settings.hpp"
#include "executor/user_namespace.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

namespace {

const std::vector<FlagSpec> k_bake_flags{
    {"file", 'f', "stringArray",
     "Build definition file: JSON bake file or compose file; repeatable, merged in order",
     "compose.yaml, docker-compose.yml, docker-bake.json, docker-bake.override.json … in the current directory"},
    {"set", 0, "stringArray",
     "Override target value (e.g., \"targetpattern.key=value\", \"*.platform=linux/arm64\", \"app.args.V=2\")", ""},
    {"print", 0, "", "Print the resolved definition as JSON instead of building", ""},
    {"push", 0, "", "Shorthand for \"--set=*.output=type=registry\"", ""},
    {"load", 0, "", "Load every target's result into docker or podman (as mab build --load)", ""},
    {"no-cache", 0, "", "Do not use cache when building the images", ""},
    {"pull", 0, "", "Always attempt to pull all referenced images (mab always resolves tags anew)", ""},
    {"progress", 0, "string", "Set type of progress output (auto, plain, tty, quiet, rawjson)",
     "auto, or BUILDKIT_PROGRESS"},
    {"metadata-file", 0, "string", "Write build result metadata to a file (an object keyed by target)", ""},
    {"help", 'h', "", "Show this help", ""},
};

// buildx's bake metadata: each target's build metadata under its name, and mab's
// counters of the one solve they shared at the top level.
std::string bake_metadata_json(const std::vector<BuildRequest>& requests, const std::vector<BuildOutcome>& outcomes) {
    rapidjson::Document out(rapidjson::kObjectType);
    auto& alloc = out.GetAllocator();
    for (size_t i = 0; i < requests.size(); ++i) {
        rapidjson::Document one(&alloc);
        one.Parse(metadata_json(outcomes[i]).c_str());
        one.RemoveMember("mab.vertices.executed");
        one.RemoveMember("mab.vertices.cached");
        out.AddMember(rapidjson::Value(requests[i].name.c_str(), alloc), rapidjson::Value(one, alloc), alloc);
    }
    if (!outcomes.empty()) {
        out.AddMember("mab.vertices.cached", outcomes.front().cached, alloc);
        out.AddMember("mab.vertices.executed", outcomes.front().executed, alloc);
    }
    rapidjson::StringBuffer buffer;
    rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
    w.SetIndent(' ', 2);
    out.Accept(w);
    return std::string(buffer.GetString()) + "\n";
}

std::vector<fs::path> bake_files(const ParsedFlags& flags) {
    std::vector<fs::path> files;
    for (const std::string& f : flags.all("file")) files.emplace_back(f);
    if (!files.empty()) return files;
    files = default_bake_files(".");
    if (files.empty())
        throw Error(ErrorKind::usage, "couldn't find a bake definition: no compose.yaml, compose.yml, "
                                      "docker-compose.yml, docker-compose.yaml, docker-bake.json or "
                                      "docker-bake.override.json here")
            .with_hint("pass one with -f FILE");
    for (fs::path& f : files) f = f.lexically_normal();
    return files;
}

} // namespace

int run_bake_command(const std::vector<std::string>& args, CommandContext& ctx) {
    ParsedFlags flags = parse_flags(args, k_bake_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab bake [OPTIONS] [TARGET...]\n\n"
                   "Build several targets from a bake file or compose file as one solve: steps the\n"
                   "targets share (a common base stage) run once.\n\nOptions:\n{}",
                   format_flag_help(k_bake_flags));
        return 0;
    }
    const BakeDefinition definition = load_bake_files(bake_files(flags), process_environment(), ctx.sources);
    std::vector<std::string> sets = flags.all("set");
    // As buildx: --push and --load replace every target's output.
    if (flags.flag("push")) sets.push_back("*.output=type=registry");
    ResolvedBake bake = resolve_bake(definition, flags.positional, sets);
    if (flags.flag("print")) {
        fmt::print("{}", bake_print_json(bake));
        return 0;
    }

    std::vector<std::string> common;
    for (const char* name : {"no-cache", "pull"})
        if (flags.flag(name)) common.push_back(std::string("--") + name);
    if (auto progress = flags.last("progress")) common.insert(common.end(), {"--progress", *progress});
    const bool load = flags.flag("load");
    if (load) common.push_back("--load");
    std::vector<BuildRequest> requests;
    for (auto& [name, target] : bake.targets) {
        if (load) target.output.reset();
        requests.push_back(bake_build_request(name, target, common));
        if (ctx.config.snapshotter)
            requests.back().snapshotter = snapshotter::parse_snapshotter_choice(ctx.config.snapshotter->value,
                                                                                ctx.config.snapshotter->origin);
    }

    registry::Settings registry = registry_settings(ctx.config);
    // Still outside the namespace: credentials and the --load CLI are looked up out here
    // (as mab build does: cli/credential_broker.hpp, cli/load_output.hpp).
    CredentialBroker credentials(registry);
    registry.find_credentials = [&credentials](const std::string& host) { return credentials.find(host); };
    std::vector<std::optional<LoadPlan>> loads(requests.size());
    std::optional<OutsideRunner> outside;
    if (load) {
        for (size_t i = 0; i < requests.size(); ++i)
            loads[i] = prepare_load(requests[i], ctx.global.root / "tmp" /
                                                     fmt::format("load-{}-{}.tar", ::getpid(), requests[i].name));
        outside.emplace();
    }
    // Before any thread starts: unshare(CLONE_NEWUSER) refuses multi-threaded callers.
    executor::BuildNamespace ns = executor::enter_build_namespace();
    if (!ns.warning.empty()) fmt::print(stderr, "WARNING: {}\n", ns.warning);
    install_termination_handlers();
    std::vector<BuildOutcome> outcomes = run_builds(requests, ctx.global.root, registry, *ctx.sources);
    for (size_t i = 0; i < requests.size(); ++i)
        if (loads[i]) fmt::print(stderr, "{}", load_result(*loads[i], requests[i].platforms, requests[i].tags, *outside));
    if (auto file = flags.last("metadata-file")) write_file_atomically(*file, bake_metadata_json(requests, outcomes));
    return 0;
}

} // namespace mab::cli
