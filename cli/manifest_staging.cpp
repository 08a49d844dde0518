#include "cli/manifest_staging.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/error.hpp"
#include "oci/media_types.hpp"
#include "registry/manifests.hpp"

namespace mab::cli {

namespace {

constexpr int k_max_depth = 4;

void stage(RegistrySession& session, const registry::Reference& source, const oci::Descriptor& desc,
           bool fetch_blobs, int depth) {
    if (depth > k_max_depth)
        throw Error(ErrorKind::registry, fmt::format("{}: indexes nested too deep", source.repository()));
    registry::ManifestData data = session.client.inspect(at_digest(source, desc.digest));
    if (registry::is_index_media_type(data.descriptor.media_type)) {
        for (const oci::Descriptor& child : oci::parse_image_index(data.raw, desc.digest.str()).manifests)
            stage(session, source, child, fetch_blobs, depth + 1);
        return;
    }
    oci::ImageManifest manifest = oci::parse_image_manifest(data.raw, desc.digest.str());
    std::vector<oci::Descriptor> blobs{manifest.config};
    blobs.insert(blobs.end(), manifest.layers.begin(), manifest.layers.end());
    for (const oci::Descriptor& blob : blobs) session.client.note_blob_location(source, blob.digest);
    if (fetch_blobs) session.client.fetch_blobs(source, blobs);
}

} // namespace

registry::Reference at_digest(registry::Reference ref, const oci::Digest& digest) {
    ref.tag.clear();
    ref.digest = digest;
    return ref;
}

oci::Platform platform_of_manifest(RegistrySession& session, const registry::Reference& ref,
                                   const registry::ManifestData& data) {
    oci::ImageManifest manifest = oci::parse_image_manifest(data.raw, data.descriptor.digest.str());
    session.client.fetch_blobs(ref, {manifest.config});
    return oci::parse_image_config(session.store.get(manifest.config.digest), manifest.config.digest.str()).platform;
}

std::vector<IndexEntry> entries_of(RegistrySession& session, const registry::Reference& ref,
                                   const registry::ManifestData& data) {
    if (registry::is_index_media_type(data.descriptor.media_type)) {
        std::vector<IndexEntry> entries;
        for (const oci::Descriptor& d : oci::parse_image_index(data.raw, data.descriptor.digest.str()).manifests)
            entries.push_back({d, ref});
        return entries;
    }
    oci::Descriptor d = data.descriptor;
    d.platform = platform_of_manifest(session, ref, data);
    return {{d, ref}};
}

oci::ImageIndex merge_entries(const std::vector<IndexEntry>& entries) {
    oci::ImageIndex index;
    index.media_type = std::string(oci::media_type::k_docker_manifest_list);
    std::set<oci::Digest> seen;
    for (const IndexEntry& e : entries) {
        if (!seen.insert(e.descriptor.digest).second) continue;
        if (e.descriptor.media_type == oci::media_type::k_oci_manifest ||
            e.descriptor.media_type == oci::media_type::k_oci_index)
            index.media_type = std::string(oci::media_type::k_oci_index);
        index.manifests.push_back(e.descriptor);
    }
    return index;
}

void stage_entry(RegistrySession& session, const IndexEntry& entry, bool fetch_blobs) {
    stage(session, entry.source, entry.descriptor, fetch_blobs, 1);
}

void push_index(RegistrySession& session, const oci::Descriptor& root, const std::vector<IndexEntry>& entries,
                const std::vector<registry::Reference>& targets) {
    std::set<std::string> target_hosts;
    for (const registry::Reference& t : targets) target_hosts.insert(t.domain);
    for (const IndexEntry& e : entries) {
        bool elsewhere = std::any_of(target_hosts.begin(), target_hosts.end(),
                                     [&](const std::string& host) { return host != e.source.domain; });
        stage_entry(session, e, elsewhere);
    }
    for (const registry::RepositoryTags& target : registry::group_by_repository(targets)) {
        registry::PushResult pushed = session.client.push_image(root, target.repository, target.tags);
        fmt::print(stderr, "blobs for {}: {} uploaded, {} mounted, {} already there\n",
                   target.repository.repository(), pushed.blobs_uploaded, pushed.blobs_mounted, pushed.blobs_present);
        for (const std::string& tag : target.tags)
            fmt::print(stderr, "pushing {} to {}:{} done\n", root.digest.str(), target.repository.repository(), tag);
    }
}

} // namespace mab::cli
