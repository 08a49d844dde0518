// Metadata helpers shared by the snapshotter's writers: ownership changes with one
// policy for unprivileged runs, and extended attributes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "snapshotter/in_root.hpp"

namespace mab::snapshotter {

// Sets the owner of the open file `fd`. Without privileges (EPERM, or EINVAL for an id
// not mapped in our user namespace) this is fine only when the file already has that
// owner; otherwise it throws Error(input) naming `display` and the ids.
void change_owner_fd(int fd, Ownership owner, const std::string& display);
// The same for `name` in `dirfd`, never following a symlink.
void change_owner_at(int dirfd, const std::string& name, Ownership owner,
                     const std::string& display);

using Xattrs = std::vector<std::pair<std::string, std::string>>;  // sorted by name

// overlayfs's own metadata (trusted.overlay.*, user.overlay.*: whiteouts, opaque
// markers, origins). Never read into a layer nor written from one: in an overlay lower
// such an attribute would change what the mount shows.
bool is_overlay_private_xattr(const std::string& name);

// The extended attributes of `path` (not following a symlink, overlay-private ones
// left out), sorted by name.
// A filesystem without xattr support yields none.
Xattrs read_xattrs(const std::string& path);
// Sets attributes on an open file / on `path` without following a symlink. Attributes
// the filesystem or our privileges refuse (ENOTSUP, EPERM) are skipped, as Docker does.
void write_xattrs_fd(int fd, const Xattrs& xattrs, const std::string& display);
void write_xattrs_path(const std::string& path, const Xattrs& xattrs);

} // namespace mab::snapshotter
