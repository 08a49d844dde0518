// ADD <git url>: a repository's tree at a ref, cloned with the git program (fork/exec,
// no shell; GIT_TERMINAL_PROMPT=0 so a private repository fails instead of prompting).
#pragma once

#include <filesystem>

#include "engine/graph/op.hpp"

namespace mab::engine::ops {

// Fills the empty directory `rootfs` with source.url's tree at source.ref (or only the
// contents of source.subdir), with .git only when source.keep_git_dir. A branch or tag is
// cloned shallow (a full clone when the server cannot serve shallow ones, as dumb HTTP);
// a full commit id is checked out of a full clone. Throws Error naming the URL (without
// user:password@) and git's last stderr lines when git fails, or naming the subdirectory
// when the tree has no such directory.
void fetch_git_source(const graph::GitSource& source, const std::filesystem::path& rootfs);

} // namespace mab::engine::ops
