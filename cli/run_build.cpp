#include <fmt/format.h>

#include <algorithm>
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

namespace {

bool same_layer_options(const snapshotter::LayerOptions& a, const snapshotter::LayerOptions& b) {
    return a.compression == b.compression && a.compression_level == b.compression_level &&
           a.oci_media_types == b.oci_media_types && a.source_date_epoch == b.source_date_epoch;
}

// One request read, parsed and lowered: an image per platform and the roots to solve.
struct LoweredRequest {
    std::vector<dockerfile::LoweredImage> images;
    std::vector<engine::graph::VertexRef> roots;
};

// The local directories of all requests for one runner. Each distinct build context
// directory is its own local source: the first keeps the name "context", the next
// ones are "context-2", "context-3"… (the name is in the vertex digest, so two targets
// with different contexts never share a context vertex).
struct RequestLocals {
    std::vector<LocalContexts> per_request;
    std::vector<std::string> context_names;  // per request
    std::map<std::string, fs::path> directories;
    std::map<std::string, std::string> ignore_files;
};

RequestLocals load_all_local_contexts(const std::vector<BuildRequest>& requests) {
    RequestLocals out;
    std::map<fs::path, std::string> name_of_context;
    for (const BuildRequest& r : requests) {
        LocalContexts locals = load_local_contexts(r);
        const fs::path dir = locals.directories.at("context");
        auto [it, added] = name_of_context.emplace(
            dir, name_of_context.empty() ? "context" : fmt::format("context-{}", name_of_context.size() + 1));
        out.context_names.push_back(it->second);
        for (const auto& [name, directory] : locals.directories) {
            const std::string source = name == "context" ? it->second : name;
            auto [known, fresh] = out.directories.emplace(source, directory);
            if (!fresh && known->second != directory)
                throw Error(ErrorKind::usage, fmt::format("build context \"{}\" names two directories ({} and {}) "
                                                          "in one bake", name, known->second.string(),
                                                          directory.string()));
        }
        for (const auto& [name, file] : locals.ignore_files)
            out.ignore_files.emplace(name == "context" ? it->second : name, file);
        out.per_request.push_back(std::move(locals));
    }
    return out;
}

struct ExportContext {
    engine::Runner& runner;
    oci::ContentStore& store;
    ImageSources& images_from;
    CacheExchange& cache_exchange;
    ProgressPrinter& progress;
};

// A request's images from its solved roots (`refs`, one per platform), then its output.
BuildOutcome export_request(const BuildRequest& r, const LoweredRequest& lowered, std::vector<engine::Ref> refs,
                            const ExportContext& c) {
    ProgressPrinter& progress = c.progress;
    // Outputs of files need them on disk; image outputs need only the layers.
    if (r.output && (r.output->type == exporter::OutputType::local || r.output->type == exporter::OutputType::tar))
        for (engine::Ref& ref : refs) ref = c.runner.materialize(ref);

    BuildOutcome outcome;
    exporter::ImageSet images;
    for (size_t i = 0; i < refs.size(); ++i) {
        images.images.push_back(image_from_result(lowered.images[i], refs[i], r.source_date_epoch));
        images.images.back().manifest_annotations =
            inline_cache_annotations(r.cache_to, lowered.roots[i], c.cache_exchange);
    }

    if (!r.output) {
        progress.note(fmt::format("WARNING: No output specified{}. The build result is discarded; use -o "
                                  "type=oci,dest=out.tar (or type=docker, local, tar) to keep it",
                                  r.name.empty() ? "" : fmt::format(" for target \"{}\"", r.name)));
        return outcome;
    }
    const auto export_start = std::chrono::steady_clock::now();
    const std::string description = output_description(r.output->type);
    int step = progress.begin_step(r.name.empty() ? description : fmt::format("[{}] {}", r.name, description));
    exporter::ExportEnvironment environment;
    // The client that pulled the base images: it knows where their blobs are, for mounts.
    environment.registry = r.output->push ? &c.images_from.client() : nullptr;
    environment.progress = [&progress, step](const std::string& line) { progress.step_line(step, line); };
    environment.blob_progress = [&progress, step](const oci::Descriptor& blob, uint64_t done) {
        progress.step_transfer(step, {blob.digest.str(), done, static_cast<uint64_t>(blob.size)});
    };
    environment.output_progress = [&progress, step](const std::string& what, uint64_t current, uint64_t total) {
        progress.step_transfer(step, {what, current, total});
    };
    exporter::ExportResult result;
    try {
        if (r.export_each_platform) {
            // --load of several platforms: one docker archive per platform, DEST-0, DEST-1…
            for (size_t i = 0; i < images.images.size(); ++i) {
                exporter::OutputSpec one = *r.output;
                one.dest = fmt::format("{}-{}", r.output->dest, i);
                exporter::ImageSet single{{images.images[i]}};
                // Each archive's bytes are a transfer of their own ("sending tarball
                // linux/arm64"), as buildx names a platform's part of an export.
                exporter::ExportEnvironment each = environment;
                each.output_progress = [&environment, platform = single.images[0].config.platform.str()](
                                           const std::string& what, uint64_t current, uint64_t total) {
                    environment.output_progress(what + " " + platform, current, total);
                };
                exporter::ExportResult part = exporter::export_images(single, one, c.store, each);
                if (i == 0) result = part;
            }
        } else {
            result = exporter::export_images(images, *r.output, c.store, environment);
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
    }
    progress.end_step(step, seconds_since(export_start));
    return outcome;
}

// The progress name of a request's own steps: "[NAME internal] …" in a bake, as buildx.
std::string internal_step(const BuildRequest& r, const std::string& what) {
    return r.name.empty() ? "[internal] " + what : fmt::format("[{} internal] {}", r.name, what);
}

} // namespace

BuildOutcome run_build(const BuildRequest& r, const fs::path& root, const registry::Settings& registry,
                       SourceRegistry& sources) {
    return run_builds({r}, root, registry, sources).front();
}

std::vector<BuildOutcome> run_builds(const std::vector<BuildRequest>& requests, const fs::path& root,
                                     const registry::Settings& registry, SourceRegistry& sources) {
    if (requests.empty()) return {};
    const BuildRequest& first = requests.front();
    ProgressPrinter progress(stderr, resolve_progress_mode(first.progress, ::fileno(stderr)));
    std::error_code ec;
    for (const BuildRequest& r : requests)
        if (!fs::is_directory(r.context, ec))
            throw Error(ErrorKind::usage,
                        fmt::format("unable to prepare context: path \"{}\" not found", r.context.string()));
    // The requests share one runner, so they share its layer settings: those of the
    // requests with an output (one without keeps nothing, so any settings do).
    auto with_output =
        std::find_if(requests.begin(), requests.end(), [](const BuildRequest& r) { return r.output.has_value(); });
    const BuildRequest& layers_from = with_output == requests.end() ? first : *with_output;
    for (const BuildRequest& r : requests)
        if (r.output && !same_layer_options(layer_options_for(r), layer_options_for(layers_from)))
            throw Error(ErrorKind::usage,
                        fmt::format("targets \"{}\" and \"{}\" need different layer settings (compression, media "
                                    "types or SOURCE_DATE_EPOCH), which one solve cannot give",
                                    layers_from.name, r.name))
                .with_hint("use the same output type and compression for these targets, or bake them separately");

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
    // A bake's requests carry no named contexts (bake does not read `contexts`), so the
    // first request's are all there are.
    ImageSources images_from(first.image_contexts, registry_with_notices, store, progress);
    dockerfile::ImageResolver resolve_image = [&](const std::string& base, const oci::Platform& platform)
        -> std::optional<oci::ResolvedImage> { return images_from.resolve(base, platform); };

    // Local directories (the contexts, named ones) and their .dockerignore patterns.
    const RequestLocals locals = load_all_local_contexts(requests);

    std::vector<LoweredRequest> lowered_requests;
    std::vector<engine::graph::VertexRef> all_roots;
    std::vector<oci::Platform> all_platforms;
    for (size_t n = 0; n < requests.size(); ++n) {
        const BuildRequest& r = requests[n];
        // 1. Read and parse the Dockerfile once for all platforms.
        const auto start = std::chrono::steady_clock::now();
        std::string name = dockerfile_display_name(r);
        std::string text = read_dockerfile(r);
        // Two bake targets' different Dockerfiles of one name: errors show each by its path.
        if (const std::string* known = sources.find(name); known && *known != text && n > 0) name = r.dockerfile;
        int step = progress.begin_step(internal_step(r, "load build definition from " + name));
        sources.add(name, text);
        progress.step_line(step, fmt::format("transferring dockerfile: {}B done", text.size()));
        auto parsed = dockerfile::parse(text, name);
        progress.end_step(step, seconds_since(start));

        // 2. Lower once per target platform; equal ops across platforms share vertices.
        LoweredRequest& lowered = lowered_requests.emplace_back();
        for (const oci::Platform& platform : r.platforms) {
            dockerfile::LowerRequest lower_request{r.build_args, r.target, platform, oci::Platform::host(),
                                                   r.labels, r.source_date_epoch, r.platforms.size() > 1,
                                                   resolve_image};
            lower_request.context_excludes = locals.per_request[n].context_excludes;
            lower_request.context_source = locals.context_names[n];
            lower_request.named_contexts = locals.per_request[n].named;
            lower_request.allow_insecure = r.allow_insecure;
            lowered.images.push_back(dockerfile::lower(*parsed, lower_request));
            lowered.roots.push_back(lowered.images.back().rootfs.vertex());
            all_roots.push_back(lowered.roots.back());
            if (std::find(all_platforms.begin(), all_platforms.end(), platform) == all_platforms.end())
                all_platforms.push_back(platform);
        }
        for (const std::string& warning : lowered.images.front().warnings) progress.note("WARNING: " + warning);
    }

    // 3. Solve every request's and platform's graph in one solver, so shared work runs once.
    BuildDir work = storage.make_build_dir();
    snapshotter::OpenedSnapshotter snapshots =
        snapshotter::open_snapshotter(first.snapshotter.value_or(snapshotter::SnapshotterChoice::automatic),
                                      work.path() / "snapshots");
    if (!snapshots.fallback_reason.empty()) {
        progress.note(fmt::format("WARNING: overlay mounts do not work here ({}): every step copies its input "
                                  "(native snapshotter); set \"snapshotter: native\" in {} to silence this",
                                  snapshots.fallback_reason, config_file_path().string()));
    }
    engine::RunnerConfig runner_config;
    runner_config.store = &store;
    runner_config.snapshots = snapshots.snapshotter.get();
    runner_config.layer_options = layer_options_for(layers_from);
    runner_config.local_sources = locals.directories;
    runner_config.exclude_origins = locals.ignore_files;
    runner_config.fetch_image_blobs = [&images_from](const oci::Digest& manifest,
                                                     const std::vector<oci::Descriptor>& blobs,
                                                     const registry::BlobProgress& on_bytes) {
        images_from.fetch(manifest, blobs, on_bytes);
    };
    EmulationSetup emulation(all_platforms, work.path() / "binfmt");
    runner_config.prepare_platform = [&emulation](const oci::Platform& p) { return emulation.prepare(p); };
    runner_config.cancelled = [] { return termination_requested(); };
    // The persistent cache: records of earlier builds on this root, keyed by content.
    engine::cache::RecordStore records(storage.cache_dir() / "records", store);
    engine::ops::CacheKeys cache_keys(locals.directories, runner_config.layer_options, storage.cache_dir() / "stat");
    runner_config.records = &records;
    runner_config.cache_keys = &cache_keys;
    // A vertex shared by several requests runs once: when one request asks for no
    // cache, the shared work is rebuilt for all of them.
    const bool no_cache = std::any_of(requests.begin(), requests.end(), [](const BuildRequest& r) { return r.no_cache; });
    runner_config.use_cache = !no_cache;
    for (const BuildRequest& r : requests)
        runner_config.no_cache_stages.insert(r.no_cache_filter.begin(), r.no_cache_filter.end());
    runner_config.run_mounts.cache_root = storage.cache_mounts_dir();
    runner_config.run_mounts.scratch_dir = work.path();
    for (const BuildRequest& r : requests) {
        runner_config.run_mounts.secrets.insert(r.secrets.begin(), r.secrets.end());
        runner_config.run_mounts.ssh_sockets.insert(r.ssh_sockets.begin(), r.ssh_sockets.end());
    }
    engine::Runner runner(runner_config);
    CacheExchange cache_exchange{runner, records, store, images_from.client(), progress};
    if (!no_cache)
        for (size_t n = 0; n < requests.size(); ++n)
            import_caches(requests[n].cache_from, lowered_requests[n].roots, cache_exchange);
    // One solve for every request: the first request's --max-parallelism bounds it.
    engine::Solver solver(runner, progress, engine::SolveOptions{requests.front().max_parallelism.value_or(0)});
    std::vector<engine::Ref> all_refs = solver.solve(all_roots);
    cache_keys.save();
    for (size_t n = 0; n < requests.size(); ++n)
        export_caches(requests[n].cache_to, lowered_requests[n].roots, cache_exchange);

    // Image outputs need only layers, which are in the content store by now. Without a
    // local/tar output the snapshots go before anything is exported: a RUN's upper
    // files (say 1 GiB, still dirty in the page cache) are dropped unwritten instead of
    // competing with the export's own writes, and the work dir is gone sooner.
    const bool outputs_read_files = std::any_of(requests.begin(), requests.end(), [](const BuildRequest& r) {
        return r.output &&
               (r.output->type == exporter::OutputType::local || r.output->type == exporter::OutputType::tar);
    });
    if (!outputs_read_files) {
        try {
            snapshots.snapshotter->remove_all();
        } catch (const std::exception&) {
            // Only an early cleanup: the work dir goes at the end of the build anyway.
        }
    }

    // 4. Each request's images from its results, then its output.
    std::vector<BuildOutcome> outcomes;
    size_t next_ref = 0;
    for (size_t n = 0; n < requests.size(); ++n) {
        const BuildRequest& r = requests[n];
        const LoweredRequest& lowered = lowered_requests[n];
        std::vector<engine::Ref> refs(all_refs.begin() + static_cast<std::ptrdiff_t>(next_ref),
                                      all_refs.begin() + static_cast<std::ptrdiff_t>(next_ref + lowered.roots.size()));
        next_ref += lowered.roots.size();
        outcomes.push_back(export_request(r, lowered, refs, ExportContext{runner, store, images_from, cache_exchange,
                                                                          progress}));
        outcomes.back().snapshotter = snapshots.snapshotter->name();
        const engine::SolveStats stats = solver.stats();
        outcomes.back().executed = stats.executed;
        outcomes.back().cached = stats.cached;
    }
    progress.finish(false);
    return outcomes;
}

} // namespace mab::cli
