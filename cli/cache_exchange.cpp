#include "cli/cache_exchange.hpp"

#include <chrono>
#include <set>

#include <fmt/format.h>

#include "base/error.hpp"
#include "engine/cache/cache_transfer.hpp"
#include "oci/image_layout.hpp"
#include "registry/reference.hpp"

namespace mab::cli {

namespace {

namespace fs = std::filesystem;
using engine::cache::CacheRecord;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The records a cache source holds, and how to fetch the blobs they name.
struct OpenedCache {
    std::vector<CacheRecord> records;
    std::function<void(const std::vector<oci::Descriptor>&)> fetch;
};

OpenedCache open_local(const CacheSpec& spec, oci::ContentStore& store) {
    oci::Descriptor manifest = engine::cache::import_cache_layout_manifest(spec.dir, store);
    auto layout = std::make_shared<oci::ImageLayout>(spec.dir);
    return {engine::cache::read_cache_manifest(manifest, store), [layout, &store](const std::vector<oci::Descriptor>& blobs) {
                for (const oci::Descriptor& blob : blobs) layout->import_blob(blob, store);
            }};
}

OpenedCache open_registry(const CacheSpec& spec, CacheExchange& with) {
    registry::Reference ref = registry::Reference::parse(spec.ref);
    registry::ManifestData data = with.registry.inspect(ref);  // verified and stored
    oci::ImageManifest manifest = oci::parse_image_manifest(data.raw, data.descriptor.digest.str());
    with.registry.fetch_blobs(ref, {manifest.config});
    registry::RegistryClient* client = &with.registry;
    return {engine::cache::read_cache_manifest(data.descriptor, with.store),
            [client, ref](const std::vector<oci::Descriptor>& blobs) { client->fetch_blobs(ref, blobs); }};
}

std::string where(const CacheSpec& spec) {
    return spec.type == CacheSpec::Type::local ? spec.dir.string() : spec.ref;
}

} // namespace

void import_caches(const std::vector<CacheSpec>& sources, const std::vector<engine::graph::VertexRef>& roots,
                   CacheExchange& with) {
    if (sources.empty()) return;
    const std::vector<oci::Digest> keys = with.runner.cache_keys_for(roots, false);
    const std::set<oci::Digest> wanted(keys.begin(), keys.end());
    for (const CacheSpec& spec : sources) {
        const auto start = std::chrono::steady_clock::now();
        int step = with.progress.begin_step(fmt::format("importing cache manifest from {}", where(spec)));
        try {
            OpenedCache cache = spec.type == CacheSpec::Type::local ? open_local(spec, with.store)
                                                                     : open_registry(spec, with);
            int n = engine::cache::import_records(
                cache.records, [&](const oci::Digest& key) { return wanted.count(key) > 0; }, cache.fetch,
                with.records, with.store);
            with.progress.step_line(step, fmt::format("{} of {} records match this build", n, cache.records.size()));
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::cancelled) throw;
            // As BuildKit: a cache that cannot be read is not a reason to fail the build.
            with.progress.step_line(step, fmt::format("WARNING: cache import from {} failed: {}", where(spec), e.what()));
        }
        with.progress.end_step(step, seconds_since(start));
    }
}

void export_caches(const std::vector<CacheSpec>& targets, const std::vector<engine::graph::VertexRef>& roots,
                   CacheExchange& with) {
    for (const CacheSpec& spec : targets) {
        const auto start = std::chrono::steady_clock::now();
        int step = with.progress.begin_step(fmt::format("exporting cache to {}", where(spec)));
        try {
            std::vector<CacheRecord> records;
            for (const oci::Digest& key : with.runner.cache_keys_for(roots, !spec.max))
                if (std::optional<CacheRecord> record = with.records.find(key)) records.push_back(std::move(*record));
            oci::Descriptor manifest = engine::cache::stage_cache_manifest(records, with.store);
            with.progress.step_line(step, fmt::format("{} records, manifest {}", records.size(), manifest.digest.str()));
            if (spec.type == CacheSpec::Type::local) {
                engine::cache::write_cache_layout(spec.dir, manifest, with.store);
            } else {
                registry::Reference ref = registry::Reference::parse(spec.ref);
                std::vector<std::string> tags;
                if (!ref.digest) tags.push_back(ref.tag.empty() ? "latest" : ref.tag);
                registry::PushResult pushed = with.registry.push_image(manifest, ref, tags);
                with.progress.step_line(step, fmt::format("pushed: {} uploaded, {} mounted, {} present",
                                                          pushed.blobs_uploaded, pushed.blobs_mounted,
                                                          pushed.blobs_present));
            }
        } catch (const Error& e) {
            if (!spec.ignore_error || e.kind() == ErrorKind::cancelled) throw;
            with.progress.step_line(step, fmt::format("WARNING: cache export to {} failed: {}", where(spec), e.what()));
        }
        with.progress.end_step(step, seconds_since(start));
    }
}

} // namespace mab::cli
