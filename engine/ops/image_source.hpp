// Base images: their blobs come into the content store (verified) from where the image
// was resolved (the CLI's fetcher: an OCI layout or a registry), and their layers are
// applied in order onto a new snapshot.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

#include "engine/graph/op.hpp"
#include "engine/solve/result.hpp"
#include "oci/content_store.hpp"

namespace mab::engine::ops {

using BlobFetcher = std::function<void(const oci::Digest& manifest, const std::vector<oci::Descriptor>& blobs)>;

// Applies the image's layers onto the empty directory `rootfs`; returns the layer
// records (bottom first) that images built on it carry.
std::vector<LayerRecord> unpack_image(const graph::ImageSource& image, const oci::Digest& vertex,
                                      const std::string& description, oci::ContentStore& store,
                                      const BlobFetcher& fetch_blobs, const std::filesystem::path& rootfs);

} // namespace mab::engine::ops
