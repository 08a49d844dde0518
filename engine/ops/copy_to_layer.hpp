// A COPY onto an empty tree (`FROM scratch` + COPY, the copy half of COPY --link)
// written straight from its source into a layer, without copying the files into a
// snapshot, diffing it and removing it again: for a large context that is 20,000 file
// creations and deletions saved, and no inode churn on the host filesystem.
//
// The layer is byte for byte what the snapshot path (file_op + diff) writes for the same
// copy: the same entries in the same order (created directories 0755 with the op's
// mtime, then the source tree depth first in byte order), the same owners, modes,
// mtimes and hardlinks. Anything outside the cases handled here makes it step aside
// (nullopt) before a blob is committed, and the caller takes the snapshot path, which
// also gives every error in its usual words.
#pragma once

#include <optional>
#include <vector>

#include "engine/graph/op.hpp"
#include "engine/ops/file_op.hpp"
#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"

namespace mab::engine::ops {

// What writing the copy straight to a layer gave.
struct DirectCopyResult {
    std::optional<snapshotter::Layer> layer;  // nullopt: the copy changed nothing
};

// Handles an op of exactly one CopyAction whose base (inputs[0], an empty tree) holds
// nothing: a literal source (no wildcard), no archive unpacking, a numeric or absent
// --chown, and a source tree without extended attributes (other than security.selinux,
// which copies drop) or device nodes. nullopt: not handled, nothing was written.
std::optional<DirectCopyResult> copy_to_layer(const graph::FileOp& op, const std::vector<FileOpInput>& inputs,
                                              oci::ContentStore& store, const snapshotter::LayerOptions& options);

} // namespace mab::engine::ops
