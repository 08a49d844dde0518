#include "snapshotter/layer.hpp"

#include "oci/media_types.hpp"

namespace mab::snapshotter {

std::string layer_media_type(const LayerOptions& options) {
    namespace mt = oci::media_type;
    switch (options.compression) {
    case oci::Compression::none:
        return std::string(options.oci_media_types ? mt::k_oci_layer : mt::k_docker_layer);
    case oci::Compression::gzip:
        return std::string(options.oci_media_types ? mt::k_oci_layer_gzip : mt::k_docker_layer_gzip);
    case oci::Compression::zstd:
        // Docker has no zstd layer type; moby puts the OCI one in Docker manifests.
        return std::string(mt::k_oci_layer_zstd);
    }
    return std::string(mt::k_oci_layer_gzip);
}

} // namespace mab::snapshotter
