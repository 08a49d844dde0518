#include "exporter/image_assembly.hpp"

#include <set>

#include "base/error.hpp"
#include "oci/media_types.hpp"

namespace mab::exporter {

namespace {

// A layer built for OCI media types is re-labelled for Docker ones: the bytes are the
// same, only the media type string differs.
std::string docker_layer_type(const std::string& oci_type) {
    if (oci_type == oci::media_type::k_oci_layer_gzip) return std::string(oci::media_type::k_docker_layer_gzip);
    if (oci_type == oci::media_type::k_oci_layer) return std::string(oci::media_type::k_docker_layer);
    return oci_type;  // zstd: moby uses the OCI type in Docker manifests too
}

std::string oci_layer_type(const std::string& type) {
    if (type == oci::media_type::k_docker_layer_gzip) return std::string(oci::media_type::k_oci_layer_gzip);
    if (type == oci::media_type::k_docker_layer) return std::string(oci::media_type::k_oci_layer);
    return type;
}

} // namespace

AssembledImages assemble_images(const ImageSet& images, bool oci_mediatypes,
                                oci::ContentStore& store) {
    if (images.images.empty()) throw Error(ErrorKind::internal, "no images to export");
    AssembledImages out;
    std::vector<oci::Descriptor> layer_blobs;

    for (const PlatformImage& image : images.images) {
        if (image.layers.size() != image.config.diff_ids.size())
            throw Error(ErrorKind::internal, "image layers and diff_ids differ in number");
        oci::Descriptor config = store.put(
            oci::to_json(image.config),
            std::string(oci_mediatypes ? oci::media_type::k_oci_config : oci::media_type::k_docker_config));
        out.config_digests.push_back(config.digest);

        oci::ImageManifest manifest;
        manifest.media_type =
            std::string(oci_mediatypes ? oci::media_type::k_oci_manifest : oci::media_type::k_docker_manifest);
        manifest.config = config;
        // Docker's schema 2 manifest has no annotations.
        if (oci_mediatypes) manifest.annotations = image.manifest_annotations;
        for (oci::Descriptor layer : image.layers) {
            layer.media_type = oci_mediatypes ? oci_layer_type(layer.media_type)
                                              : docker_layer_type(layer.media_type);
            manifest.layers.push_back(layer);
            layer_blobs.push_back(layer);
        }
        out.layers.push_back(manifest.layers);
        oci::Descriptor desc = store.put(oci::to_json(manifest), manifest.media_type);
        desc.platform = image.config.platform;
        out.manifests.push_back(desc);
        layer_blobs.push_back(config);
    }

    if (out.manifests.size() == 1) {
        out.root = out.manifests.front();
        out.root.platform.reset();
    } else {
        oci::ImageIndex index;
        index.media_type =
            std::string(oci_mediatypes ? oci::media_type::k_oci_index : oci::media_type::k_docker_manifest_list);
        index.manifests = out.manifests;
        out.root = store.put(oci::to_json(index), index.media_type);
    }

    // Root first, then manifests, then configs and layers; each blob once.
    std::set<oci::Digest> seen;
    auto add = [&](const oci::Descriptor& d) {
        if (seen.insert(d.digest).second) out.blobs.push_back(d);
    };
    add(out.root);
    for (const oci::Descriptor& m : out.manifests) add(m);
    for (const oci::Descriptor& b : layer_blobs) add(b);
    return out;
}

} // namespace mab::exporter
