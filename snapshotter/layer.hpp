// A layer as an image needs it: the digest of the uncompressed tar (diff_id) and the
// descriptor of the compressed blob in the content store.
#pragma once

#include <cstdint>
#include <optional>

#include "oci/compression.hpp"
#include "oci/descriptor.hpp"
#include "oci/digest.hpp"

namespace mab::snapshotter {

struct Layer {
    oci::Digest diff_id;
    oci::Descriptor blob;          // media type chosen from LayerOptions
    uint64_t uncompressed_size = 0;

    bool operator==(const Layer&) const = default;
};

struct LayerOptions {
    oci::Compression compression = oci::Compression::gzip;
    std::optional<int> compression_level;
    bool oci_media_types = true;               // false: Docker v2s2 layer media types
    std::optional<int64_t> source_date_epoch;  // clamp entry mtimes to this
};

// The layer media type for these options.
std::string layer_media_type(const LayerOptions& options);

} // namespace mab::snapshotter
