// COPY / ADD as a file action, with Docker's semantics as BuildKit implements them.
// The source is read through a RootFs of the source input, so a symlink in a build
// context can never make mab read a host file; the destination is written through the
// destination RootFs (see entry_copier.hpp).
#pragma once

#include <cstdint>
#include <string>

#include "engine/graph/op.hpp"
#include "engine/ops/context_filter.hpp"
#include "engine/ops/dir_times.hpp"
#include "snapshotter/in_root.hpp"

namespace mab::engine::ops {

struct CopySource {
    const snapshotter::RootFs* root = nullptr;
    // Where a missing source was looked for, for messages: "the build context".
    std::string label;
    // A local source's exclude patterns: copies see only what they leave.
    const ContextFilter* filter = nullptr;
    std::string ref_name;       // the local source's name ("context"), for messages
    std::string filter_origin;  // where the patterns came from (".dockerignore"), for messages
};

// Runs `action` from `source` into `dest`. Directories the copy creates get mode 0755,
// the --chown owner and mtime `created_dir_mtime` (seconds). Failures the user can fix
// (missing source, several sources into a non-directory, unknown user, bad pattern)
// throw Error(input); a source that exists but is excluded by the source's patterns is
// reported in BuildKit's words with a hint naming the patterns' file.
void run_copy(const graph::CopyAction& action, const CopySource& source, snapshotter::RootFs& dest,
              int64_t created_dir_mtime, DirTimes& times);

} // namespace mab::engine::ops
