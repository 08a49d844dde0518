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

// The records of one manifest: a cache manifest's config, or an image's inline cache.
std::vector<CacheRecord> records_of_manifest(const registry::Reference& ref, const registry::ManifestData& data,
                                             CacheExchange& with) {
    oci::ImageManifest manifest = oci::parse_image_manifest(data.raw, data.descriptor.digest.str());
    if (manifest.config.media_type == engine::cache::k_cache_config_media_type) {
        with.registry.fetch_blobs(ref, {manifest.config});
        return engine::cache::read_cache_manifest(data.descriptor, with.store);
    }
    auto inline_cache = manifest.annotations.find(engine::cache::k_inline_cache_annotation);
    if (inline_cache == manifest.annotations.end())
        throw Error(ErrorKind::input, fmt::format("{} is neither a mab cache nor an image with an inline cache "
                                                  "(--cache-to type=inline)", ref.str()));
    return engine::cache::parse_cache_config(inline_cache->second);
}

OpenedCache open_registry(const CacheSpec& spec, CacheExchange& with) {
    registry::Reference ref = registry::Reference::parse(spec.ref);
    registry::ManifestData data = with.registry.inspect(ref);  // verified and stored
    std::vector<CacheRecord> records;
    if (data.descriptor.media_type.find("index") != std::string::npos ||
        data.descriptor.media_type.find("manifest.list") != std::string::npos) {
        // A multi-platform image: each platform's manifest carries its own inline cache.
        oci::ImageIndex index = oci::parse_image_index(data.raw, data.descriptor.digest.str());
        for (const oci::Descriptor& child : index.manifests) {
            registry::Reference by_digest = ref;
            by_digest.tag.clear();
            by_digest.digest = child.digest;
            std::vector<CacheRecord> some = records_of_manifest(ref, with.registry.inspect(by_digest), with);
            records.insert(records.end(), some.begin(), some.end());
        }
    } else {
        records = records_of_manifest(ref, data, with);
    }
    registry::RegistryClient* client = &with.registry;
    return {std::move(records),
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

std::map<std::string, std::string> inline_cache_annotations(const std::vector<CacheSpec>& targets,
                                                            const engine::graph::VertexRef& root, CacheExchange& with) {
    bool wanted = false;
    for (const CacheSpec& spec : targets) wanted = wanted || spec.type == CacheSpec::Type::inline_cache;
    if (!wanted) return {};
    std::vector<CacheRecord> records;
    for (const oci::Digest& key : with.runner.cache_keys_for({root}, true))
        if (std::optional<CacheRecord> record = with.records.find(key)) records.push_back(std::move(*record));
    return {{engine::cache::k_inline_cache_annotation, engine::cache::cache_config_json(records)}};
}

void export_caches(const std::vector<CacheSpec>& targets, const std::vector<engine::graph::VertexRef>& roots,
                   CacheExchange& with) {
    for (const CacheSpec& spec : targets) {
        if (spec.type == CacheSpec::Type::inline_cache) continue;  // in the image's manifests
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
