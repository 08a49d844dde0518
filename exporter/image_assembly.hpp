// Turns built images into content: config blobs, one manifest per platform and, for
// several platforms, an index. Everything is written to the content store; the
// returned descriptors say what a layout or a registry push must carry.
#pragma once

#include <vector>

#include "exporter/exporter.hpp"

namespace mab::exporter {

struct AssembledImages {
    oci::Descriptor root;                    // index (several platforms) or manifest
    std::vector<oci::Descriptor> manifests;  // per platform, with platform set
    std::vector<oci::Digest> config_digests; // per platform
    std::vector<std::vector<oci::Descriptor>> layers;  // per platform, as in its manifest
    std::vector<oci::Descriptor> blobs;      // every blob reachable from root, unique,
                                             // in a stable order (root first)
};

AssembledImages assemble_images(const ImageSet& images, bool oci_mediatypes,
                                oci::ContentStore& store);

} // namespace mab::exporter
