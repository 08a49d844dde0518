// Resolving a reference to one platform's image: the index (if any), the chosen
// manifest and its config, all verified and stored.
#include <fmt/format.h>

#include "oci/image.hpp"
#include "oci/platform_match.hpp"
#include "registry/blob_transfer.hpp"
#include "registry/client_impl.hpp"
#include "registry/manifests.hpp"

namespace mab::registry {

namespace {

constexpr int k_max_index_depth = 4;

std::string platforms_of(const oci::ImageIndex& index) {
    std::string out;
    for (const oci::Descriptor& d : index.manifests)
        if (d.platform) out += (out.empty() ? "" : ", ") + d.platform->str();
    return out.empty() ? "none" : out;
}

} // namespace

PulledImage RegistryClient::Impl::resolve_from(const Source& source, const Reference& ref,
                                               const oci::Platform& platform) {
    Endpoint& ep = *source.endpoint;
    const std::string& repo = source.repository;
    std::string name = ref.str();

    FetchedManifest current = fetch_manifest(ep, repo, ref.digest ? ref.digest->str() : ref.tag, ref.digest);
    store.put(current.bytes, current.descriptor.media_type);
    PulledImage out;
    out.root = current.descriptor;

    for (int depth = 0; is_index_media_type(current.descriptor.media_type); ++depth) {
        if (depth == k_max_index_depth)
            throw Error(ErrorKind::registry, fmt::format("{}: indexes nested too deep", name));
        oci::ImageIndex index = oci::parse_image_index(current.bytes, current.descriptor.digest.str());
        std::optional<oci::Descriptor> chosen = oci::select_manifest(index.manifests, platform);
        if (!chosen)
            throw Error(ErrorKind::registry, fmt::format("image {} has no {} variant (it has: {})", name,
                                                         platform.str(), platforms_of(index)));
        FetchedManifest next = fetch_manifest(ep, repo, chosen->digest.str(), chosen->digest);
        if (next.descriptor.size != chosen->size)
            throw Error(ErrorKind::registry, fmt::format("{}: manifest {} has {} bytes, the index says {}", name,
                                                         chosen->digest.str(), next.descriptor.size, chosen->size));
        store.put(next.bytes, next.descriptor.media_type);
        next.descriptor.platform = chosen->platform;
        next.descriptor.annotations = chosen->annotations;
        current = std::move(next);
    }

    oci::ImageManifest manifest = oci::parse_image_manifest(current.bytes, current.descriptor.digest.str());
    download_blob(ep, repo, manifest.config, store);
    out.image.manifest = current.descriptor;
    out.image.config = oci::parse_image_config(store.get(manifest.config.digest), manifest.config.digest.str());
    out.image.layers = manifest.layers;
    if (out.image.layers.size() != out.image.config.diff_ids.size())
        throw Error(ErrorKind::registry, fmt::format("image {}: {} layers but {} diff_ids in its config", name,
                                                     out.image.layers.size(), out.image.config.diff_ids.size()));
    // Everything this manifest names is in this repository: later pushes elsewhere on
    // the same registry may mount it.
    locations.add(ep.host(), repo, manifest.config.digest);
    for (const oci::Descriptor& layer : manifest.layers) locations.add(ep.host(), repo, layer.digest);
    return out;
}

} // namespace mab::registry
