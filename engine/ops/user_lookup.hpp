// Resolves COPY --chown / ADD --chown users and groups to numeric ids against the
// destination root's /etc/passwd and /etc/group. Those files come from the image being
// built, so they are read through RootFs (symlinks stay inside the root), only if they
// are regular files, and only up to k_max_account_file_size (SECURITY.md §A.33).
#pragma once

#include <cstdint>
#include <optional>

#include "engine/graph/op.hpp"
#include "snapshotter/in_root.hpp"

namespace mab::engine::ops {

inline constexpr int64_t k_max_account_file_size = 1 << 20;

// Numeric ids for `spec`:
//  - "1000" / "1000:1000": numeric ids need no files;
//  - a user name is looked up in /etc/passwd, a group name in /etc/group;
//  - no group: the user's primary group from /etc/passwd, or gid = uid for a numeric
//    user without an entry (as BuildKit);
//  - an empty user means root (":staff").
// Unknown names throw Error(input) ("unable to find user app: no matching entries in
// passwd file"); a non-regular or oversized account file throws Error(input).
snapshotter::Ownership resolve_owner(const graph::ChownSpec& spec, const snapshotter::RootFs& root);

// resolve_owner for an optional spec (nullopt stays nullopt).
std::optional<snapshotter::Ownership> resolve_owner(const std::optional<graph::ChownSpec>& spec,
                                                    const snapshotter::RootFs& root);

} // namespace mab::engine::ops
