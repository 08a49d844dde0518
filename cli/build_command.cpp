#include <unistd.h>

#include <fmt/format.h>

#include "base/atomic_file.hpp"
#include "base/termination.hpp"
#include "cli/build_call.hpp"
#include "cli/build_request.hpp"
#include "cli/cache_gc.hpp"
#include "cli/command.hpp"
#include "cli/credential_broker.hpp"
#include "cli/load_output.hpp"
#include "cli/outside_runner.hpp"
#include "cli/metadata_file.hpp"
#include "cli/registry_settings.hpp"
#include "executor/user_namespace.hpp"

namespace mab::cli {

int run_build_command(const std::vector<std::string>& args, CommandContext& ctx) {
    std::optional<BuildRequest> request = parse_build_request(args);
    if (!request) return 0;
    if (request->call.kind != CallRequest::Kind::build) return run_build_call(*request, ctx);
    if (!request->snapshotter && ctx.config.snapshotter)
        request->snapshotter =
            snapshotter::parse_snapshotter_choice(ctx.config.snapshotter->value, ctx.config.snapshotter->origin);
    if (!request->max_parallelism && ctx.config.max_parallelism)
        request->max_parallelism =
            parse_max_parallelism(ctx.config.max_parallelism->value, ctx.config.max_parallelism->origin);
    registry::Settings registry = registry_settings(ctx.config);
    // Still outside the namespace: credentials are looked up out here for the whole build,
    // so helpers reach the user's agents (cli/credential_broker.hpp says why).
    CredentialBroker credentials(registry);
    registry.find_credentials = [&credentials](const std::string& host) { return credentials.find(host); };
    // --load: the CLI is chosen (or the build refused) now, and what loads the archive
    // runs out here too, as the user (cli/load_output.hpp).
    std::optional<OutsideRunner> outside;
    std::optional<LoadPlan> load;
    if (request->load) {
        load = prepare_load(*request, ctx.global.root / "tmp" / fmt::format("load-{}.tar", ::getpid()));
        outside.emplace();
    }
    // Before any thread starts: unshare(CLONE_NEWUSER) refuses multi-threaded callers.
    executor::BuildNamespace ns = executor::enter_build_namespace();
    if (!ns.warning.empty()) fmt::print(stderr, "WARNING: {}\n", ns.warning);
    install_termination_handlers();
    BuildOutcome outcome = run_build(*request, ctx.global.root, registry, *ctx.sources);
    if (load) fmt::print(stderr, "{}", load_result(*load, request->platforms, request->tags, *outside));

    // docker writes the image ID (config digest) for a docker output; otherwise the
    // image digest identifies what was built.
    const bool docker = request->output && request->output->type == exporter::OutputType::docker;
    const std::string id = docker && !outcome.config_digest.empty() ? outcome.config_digest : outcome.image_digest;
    if (!request->iidfile.empty()) write_file_atomically(request->iidfile, id);
    // Like `buildx build -q`: the image ID is all a quiet build prints, unless stdout
    // carries the output itself.
    const bool output_on_stdout = request->output && request->output->dest == "-";
    if (request->progress == ProgressMode::quiet && !id.empty() && !output_on_stdout) fmt::print("{}\n", id);
    if (!request->metadata_file.empty()) write_file_atomically(request->metadata_file, metadata_json(outcome));
    collect_garbage_after_build(ctx.global.root, ctx.config.gc, request->progress == ProgressMode::quiet);
    return 0;
}

} // namespace mab::cli
