// One streaming pass: tar entries -> sha256 (diff_id) -> compressor -> sha256 (blob
// digest) -> content store. Never holds the layer in memory.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"
#include "snapshotter/tar_writer.hpp"

namespace mab::snapshotter {

class LayerBuilder {
public:
    LayerBuilder(oci::ContentStore& store, const LayerOptions& options);
    ~LayerBuilder();
    LayerBuilder(const LayerBuilder&) = delete;
    LayerBuilder& operator=(const LayerBuilder&) = delete;

    TarWriter& tar();
    // Finishes the tar and the compressed stream, commits the blob.
    Layer finish();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace mab::snapshotter
