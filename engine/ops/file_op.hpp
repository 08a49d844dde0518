// Applies a FileOp's actions, in order, to a writable tree (a prepared snapshot).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/graph/op.hpp"
#include "engine/ops/context_filter.hpp"

namespace mab::engine::ops {

// One input of the op as the actions see it: input 0 is the base, the others are copy
// sources.
struct FileOpInput {
    std::filesystem::path rootfs;
    // Where a missing copy source was looked for: "the build context", "the source".
    std::string label;
    // A local source with exclude patterns: what copies may see of it (else everything).
    std::shared_ptr<const ContextFilter> filter = {};
    std::string ref_name = {};       // the local source's name, for messages
    std::string filter_origin = {};  // where its patterns came from, for messages
    bool local_source = false;       // a build context read in place (its files copy as root's)
    std::string key = {};            // the input vertex's digest (what a cache mount's from= seeds by)
};

// Applies `op` to the tree at `root_dir`. Every write stays inside `root_dir`; the
// mtimes of directories the op touches are decided as dir_times.hpp describes, so the
// same op on the same inputs gives the same tree. Throws mab::Error.
void apply_file_op(const graph::FileOp& op, const std::filesystem::path& root_dir,
                   const std::vector<FileOpInput>& inputs);

} // namespace mab::engine::ops
