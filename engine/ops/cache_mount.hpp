// RUN --mount=type=cache: a directory under the storage root that outlives builds and
// is never part of an image. ROOT/cache-mounts/<sha256 of the id (and of the from=
// source, when given)>/ holds `data/` (the cache), `lock` (a flock that says who uses
// it, across threads and mab processes alike) and, for sharing=private, fresh
// directories while `data/` is in use.
//  - shared: any number of RUNs use data/ at once (a shared lock);
//  - locked: one RUN at a time (an exclusive lock: the next waits);
//  - private: data/ when nobody uses it, else a fresh empty directory for this RUN,
//    removed after it.
// Whatever the sharing, a lease also holds the directory's own flock shared, which
// `mab prune` and the GC test before removing a cache mount (cache_mount_store.hpp), and
// marks the cache used in its meta.json when it starts and ends.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "base/unique_fd.hpp"
#include "engine/graph/op.hpp"
#include "engine/ops/cache_mount_store.hpp"

namespace mab::engine::ops {

struct CacheMountSpec {
    std::string id;
    graph::CacheSharing sharing = graph::CacheSharing::shared;
    uint32_t mode = 0755;  // applied when the directory is created
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::string seed_key = {};  // "" without from=; else names what seeds it (part of the dir's name)
    std::string description = {};  // for `mab du`: "cached mount TARGET from exec ARGS"
};

class CacheLease {
public:
    // Takes the cache dir of `spec` under `cache_root` (created with the spec's mode and
    // owner, filled by `seed` when it is new and a seed is given), waiting for the lock
    // as its sharing says; `cancelled` is polled while it waits. Throws Error(io)
    // naming the directory, Error(cancelled) when cancelled while waiting.
    CacheLease(const std::filesystem::path& cache_root, const CacheMountSpec& spec,
               const std::function<void(const std::filesystem::path&)>& seed,
               const std::function<bool()>& cancelled);
    ~CacheLease();
    CacheLease(const CacheLease&) = delete;
    CacheLease& operator=(const CacheLease&) = delete;

    // The directory to mount.
    const std::filesystem::path& path() const { return m_path; }

private:
    UniqueFd m_in_use;  // the directory's flock, shared
    UniqueFd m_lock;
    std::filesystem::path m_path;
    bool m_private_copy = false;
    std::filesystem::path m_dir;
    CacheMountMeta m_meta;
};

// The cache's directory under `cache_root` for `spec` (its lock file and data/ inside).
std::filesystem::path cache_mount_dir(const std::filesystem::path& cache_root, const CacheMountSpec& spec);

} // namespace mab::engine::ops
