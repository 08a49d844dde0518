// Resolves COPY --chown / ADD --chown users and groups, and a RUN's USER, to numeric ids
// against the destination root's /etc/passwd and /etc/group. Those files come from the image being
// built, so they are read through RootFs (symlinks stay inside the root), only if they
// are regular files, and only up to k_max_account_file_size (SECURITY.md §A.33).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

// The ids a RUN executes as for the image config's USER ("user[:group]"; "" is root),
// as Docker gives them: uid and gid as resolve_owner resolves them, and as groups the
// gid followed, when USER names no group, by every /etc/group entry that lists the
// user's passwd name as a member. `USER uid:gid` and `USER name:group` get the gid only.
struct RunUser {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::vector<uint32_t> groups;  // for setgroups(2); the gid first, no duplicates
};
RunUser resolve_run_user(const std::string& user, const snapshotter::RootFs& root);

} // namespace mab::engine::ops
