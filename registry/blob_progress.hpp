// How many bytes of a blob have moved so far, reported as a transfer goes on so the
// CLI can show buildx's "sha256:… 12.3MB / 45.6MB" lines. Called from the transfer
// threads (several blobs move in parallel): the callee must be thread-safe. `done`
// reaches blob.size when the last byte arrived; a retried transfer may report smaller
// values again.
#pragma once

#include <cstdint>
#include <functional>

#include "oci/descriptor.hpp"

namespace mab::registry {

using BlobProgress = std::function<void(const oci::Descriptor& blob, uint64_t done)>;

} // namespace mab::registry
