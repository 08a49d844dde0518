// A stand-in base image for lowering Dockerfiles without a registry (the real-world
// Dockerfile test and the parser fuzzer): any name resolves, for any platform, to an
// image with one layer, a PATH and a working directory, so lowering sees an
// inherited config as it would from a registry. Digests derive from the name and the
// platform, so different images stay different vertices.
#pragma once

#include <string>

#include "oci/digest.hpp"
#include "oci/image_layout.hpp"
#include "oci/media_types.hpp"

namespace mab::testing {

inline oci::ResolvedImage synthetic_image(const std::string& name, const oci::Platform& platform) {
    oci::ResolvedImage image;
    image.manifest.media_type = std::string(oci::media_type::k_oci_manifest);
    image.manifest.digest = oci::sha256_of("manifest " + name + " " + platform.str());
    image.config.platform = platform;
    image.config.config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    image.config.config.working_dir = "/srv";
    oci::Descriptor layer;
    layer.media_type = std::string(oci::media_type::k_oci_layer_gzip);
    layer.digest = oci::sha256_of("layer " + name + " " + platform.str());
    layer.size = 1;
    image.layers.push_back(layer);
    image.config.diff_ids.push_back(oci::sha256_of("diff " + name + " " + platform.str()));
    return image;
}

} // namespace mab::testing
