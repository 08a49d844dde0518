#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/termination.hpp"
#include "cli/build_contexts.hpp"
#include "cli/cache_exchange.hpp"
#include "cli/build_request.hpp"
#include "cli/config_file.hpp"
#include "cli/emulation_setup.hpp"
#include "cli/image_sources.hpp"
#include "cli/image_from_result.hpp"
#include "cli/storage_root.hpp"
#include "engine/ops/runner.hpp"
#include "engine/solve/solver.hpp"
#include "oci/image_layout.hpp"
#include "frontend-dockerfile/dockerfile.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

snapshotter::LayerOptions layer_options_for(const BuildRequest& r) {
    snapshotter::LayerOptions options;
    if (r.output) {
        options.compression = r.output->compression;
        options.compression_level = r.output->compression_level;
        options.oci_media_types = r.output->uses_oci_mediatypes();
    }
    options.source_date_epoch = r.source_date_epoch;
    return options;
}

const char* output_description(exporter::OutputType type) {
    switch (type) {
    case exporter::OutputType::oci: return "exporting to oci image format";
    case exporter::OutputType::docker: return "exporting to docker image format";
    case exporter::OutputType::local: return "copying files to client";
    case exporter::OutputType::tar: return "sending tarball";
    case exporter::OutputType::image: return "exporting to image";
    }
    return "exporting";
}

} // namespace

std::string read_dockerfile(const BuildRequest& r) {
    if (r.dockerfile == "-") {
        return read_file("/dev/stdin");
    }
    std::error_code ec;
    if (!fs::is_regular_file(r.dockerfile, ec))
        throw Error(ErrorKind::usage, fmt::format("failed to read dockerfile: open {}: no such file", r.dockerfile))
            .with_hint("pass the Dockerfile with -f PATH, or put one in the context directory");
    return read_file(r.dockerfile);
}

std::string dockerfile_display_name(const BuildRequest& r) {
    return r.dockerfile == "-" ? "Dockerfile" : fs::path(r.dockerfile).filename().string();
}

BuildOutcome run_build(const BuildRequest& r, const fs::path& root, const registry::Settings& registry,
                       SourceRegistry& sources) {
    ProgressPrinter progress(stderr, resolve_progress_mode(r.progress, ::fileno(stderr)));
    std::error_code ec;
    if (!fs::is_directory(r.context, ec))
        throw Error(ErrorKind::usage, fmt::format("unable to prepare context: path \"{}\" not found", r.context.string()));

    // 1. Read and parse the Dockerfile once for all platforms.
    const auto start = std::chrono::steady_clock::now();
    const std::string name = dockerfile_display_name(r);
    int step = progress.begin_step("[internal] load build definition from " + name);
    std::string text = read_dockerfile(r);
    sources.add(name, text);
    progress.step_line(step, fmt::format("transferring dockerfile: {}B done", text.size()));
    auto parsed = dockerfile::parse(text, name);
    progress.end_step(step, seconds_since(start));

    // Base images: named contexts (local OCI layouts, docker-image://) and registries.
    StorageRoot storage(root);
    // Held until the build ends: prune and garbage collection remove nothing meanwhile.
    UniqueFd cache_lock = storage.lock_cache(CacheLockMode::shared, false);
    if (!cache_lock) {
        progress.note("waiting for mab prune or a garbage collection on " + root.string() + " to finish");
        cache_lock = storage.lock_cache(CacheLockMode::shared, true);
    }
    oci::ContentStore store(storage.content_dir());
    // Registry notices (plain-HTTP fallback, mirror trouble) go through the progress
    // view, so they neither break the tty view nor the rawjson stream.
    registry::Settings registry_with_notices = registry;
    registry_with_notices.notice = [&progress](const std::string& line) { progress.note("WARNING: " + line); };
    ImageSources images_from(r.image_contexts, registry_with_notices, store, progress);
    dockerfile::ImageResolver resolve_image = [&](const std::string& base, const oci::Platform& platform)
        -> std::optional<oci::ResolvedImage> { return images_from.resolve(base, platform); };

    // Local directories (the context, named ones) and their .dockerignore patterns.
    const LocalContexts locals = load_local_contexts(r);

    // 2. Lower once per target platform; equal ops across platforms share vertices.
    std::vector<dockerfile::LoweredImage> lowered;
    std::vector<engine::graph::VertexRef> roots;
    for (const oci::Platform& platform : r.platforms) {
        dockerfile::LowerRequest lower_request{r.build_args, r.target, platform, oci::Platform::host(),
                                               r.labels, r.source_date_epoch, r.platforms.size() > 1,
                                               resolve_image};
        lower_request.context_excludes = locals.context_excludes;
        lower_request.named_contexts = locals.named;
        lower_request.allow_insecure = r.allow_insecure;
        lowered.push_back(dockerfile::lower(*parsed, lower_request));
        roots.push_back(lowered.back().rootfs.vertex());
    }
    for (const std::string& warning : lowered.front().warnings) progress.note("WARNING: " + warning);

    // 3. Solve every platform's graph in one solver, so shared work runs once.
    BuildDir work = storage.make_build_dir();
    snapshotter::OpenedSnapshotter snapshots =
        snapshotter::open_snapshotter(r.snapshotter.value_or(snapshotter::SnapshotterChoice::automatic),
                                      work.path() / "snapshots");
    if (!snapshots.fallback_reason.empty()) {
        progress.note(fmt::format("WARNING: overlay mounts do not work here ({}): every step copies its input "
                                  "(native snapshotter); set \"snapshotter: native\" in {} to silence this",
                                  snapshots.fallback_reason, config_file_path().string()));
    }
    engine::RunnerConfig runner_config;
    runner_config.store = &store;
    runner_config.snapshots = snapshots.snapshotter.get();
    runner_config.layer_options = layer_options_for(r);
    runner_config.local_sources = locals.directories;
    runner_config.exclude_origins = locals.ignore_files;
    runner_config.fetch_image_blobs = [&images_from](const oci::Digest& manifest,
                                                     const std::vector<oci::Descriptor>& blobs,
                                                     const registry::BlobProgress& on_bytes) {
        images_from.fetch(manifest, blobs, on_bytes);
    };
    EmulationSetup emulation(r.platforms, work.path() / "binfmt");
    runner_config.prepare_platform = [&emulation](const oci::Platform& p) { return emulation.prepare(p); };
    runner_config.cancelled = [] { return termination_requested(); };
    // The persistent cache: records of earlier builds on this root, keyed by content.
    engine::cache::RecordStore records(storage.cache_dir() / "records", store);
    engine::ops::CacheKeys cache_keys(locals.directories, runner_config.layer_options, storage.cache_dir() / "stat");
    runner_config.records = &records;
    runner_config.cache_keys = &cache_keys;
    runner_config.use_cache = !r.no_cache;
    runner_config.no_cache_stages.insert(r.no_cache_filter.begin(), r.no_cache_filter.end());
    runner_config.run_mounts.cache_root = storage.cache_mounts_dir();
    runner_config.run_mounts.scratch_dir = work.path();
    runner_config.run_mounts.secrets = r.secrets;
    runner_config.run_mounts.ssh_sockets = r.ssh_sockets;
    engine::Runner runner(runner_config);
    CacheExchange cache_exchange{runner, records, store, images_from.client(), progress};
    if (!r.no_cache) import_caches(r.cache_from, roots, cache_exchange);
    engine::Solver solver(runner, progress, engine::SolveOptions{r.max_parallelism.value_or(0)});
    std::vector<engine::Ref> refs = solver.solve(roots);
    cache_keys.save();
    export_caches(r.cache_to, roots, cache_exchange);
    // Outputs of files need them on disk; image outputs need only the layers.
    if (r.output && (r.output->type == exporter::OutputType::local || r.output->type == exporter::OutputType::tar))
        for (engine::Ref& ref : refs) ref = runner.materialize(ref);

    BuildOutcome outcome;
    outcome.snapshotter = snapshots.snapshotter->name();
    const engine::SolveStats stats = solver.stats();
    outcome.executed = stats.executed;
    outcome.cached = stats.cached;

    // 4. Images from results, then the output.
    exporter::ImageSet images;
    for (size_t i = 0; i < refs.size(); ++i) {
        images.images.push_back(image_from_result(lowered[i], refs[i], r.source_date_epoch));
        images.images.back().manifest_annotations = inline_cache_annotations(r.cache_to, roots[i], cache_exchange);
    }

    if (!r.output) {
        progress.note("WARNING: No output specified. The build result is discarded; use -o type=oci,dest=out.tar "
                      "(or type=docker, local, tar) to keep it");
        progress.finish(false);
        return outcome;
    }
    const auto export_start = std::chrono::steady_clock::now();
    step = progress.begin_step(output_description(r.output->type));
    exporter::ExportEnvironment environment;
    // The client that pulled the base images: it knows where their blobs are, for mounts.
    environment.registry = r.output->push ? &images_from.client() : nullptr;
    environment.progress = [&progress, step](const std::string& line) { progress.step_line(step, line); };
    environment.blob_progress = [&progress, step](const oci::Descriptor& blob, uint64_t done) {
        progress.step_transfer(step, {blob.digest.str(), done, static_cast<uint64_t>(blob.size)});
    };
    exporter::ExportResult result;
    try {
        if (r.export_each_platform) {
            // --load of several platforms: one docker archive per platform, DEST-0, DEST-1…
            for (size_t i = 0; i < images.images.size(); ++i) {
                exporter::OutputSpec one = *r.output;
                one.dest = fmt::format("{}-{}", r.output->dest, i);
                exporter::ImageSet single{{images.images[i]}};
                exporter::ExportResult part = exporter::export_images(single, one, store, environment);
                if (i == 0) result = part;
            }
        } else {
            result = exporter::export_images(images, *r.output, store, environment);
        }
    } catch (const std::exception& e) {
        progress.fail_step(step, seconds_since(export_start), e.what());
        throw;
    }
    if (!result.root.digest.empty()) {
        outcome.image_digest = result.root.digest.str();
        outcome.image_media_type = result.root.media_type;
        outcome.image_size = result.root.size;
        if (!result.config_digest.empty()) outcome.config_digest = result.config_digest.str();
        outcome.image_name = result.image_name;
        if (r.output->type != exporter::OutputType::image)
            progress.step_line(step, fmt::format("exporting {} {}",
                                                 images.images.size() > 1 ? "manifest list" : "manifest",
                                                 result.root.digest.str()));
    }
    progress.end_step(step, seconds_since(export_start));
    progress.finish(false);
    return outcome;
}

} // namespace mab::cli
