// The native differ: compares a lower tree with an upper tree and writes what changed
// as an OCI layer (added/changed entries, their parent directories, `.wh.` whiteouts
// for deletions, an opaque directory replaced wholesale is written as deletions of its
// old entries). Files count as unchanged when type, mode, owner, size, mtime (ns),
// symlink target, device numbers and xattrs match; when the mtime has no nanoseconds
// (it may have been truncated by an archive) their contents are compared too.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <optional>

#include "oci/content_store.hpp"
#include "snapshotter/layer.hpp"

namespace mab::snapshotter {

// lower: nullopt for "no parent" (every entry of upper is new). Returns nullopt when
// nothing changed (no layer is written).
std::optional<Layer> diff_trees(const std::optional<std::filesystem::path>& lower,
                                const std::filesystem::path& upper, oci::ContentStore& store,
                                const LayerOptions& options);

// containerd's sameFile, with the mtime compared for directories too: true when the
// lower entry `lp` (stat `l`) and the upper entry `up` (stat `u`) need nothing in a layer.
bool same_entry(const std::filesystem::path& lp, const struct stat& l, const std::filesystem::path& up,
                const struct stat& u);

} // namespace mab::snapshotter
