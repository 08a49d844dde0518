// Base images: their blobs come into the content store (verified) from the OCI layouts
// the build was given, and their layers are applied in order onto a new snapshot.
#pragma once

#include <filesystem>
#include <vector>

#include "engine/graph/op.hpp"
#include "engine/solve/result.hpp"
#include "oci/content_store.hpp"

namespace mab::engine::ops {

// Makes sure the store holds `blob`: already there, or copied (and verified) from the
// first of `layout_dirs` that has it. Throws Error(input) naming the digest if none has.
void import_blob(oci::ContentStore& store, const oci::Descriptor& blob,
                 const std::vector<std::filesystem::path>& layout_dirs);

// Applies the image's layers onto the empty directory `rootfs`; returns the layer
// records (bottom first) that images built on it carry.
std::vector<LayerRecord> unpack_image(const graph::ImageSource& image, const oci::Digest& vertex,
                                      const std::string& description, oci::ContentStore& store,
                                      const std::vector<std::filesystem::path>& layout_dirs,
                                      const std::filesystem::path& rootfs);

} // namespace mab::engine::ops
