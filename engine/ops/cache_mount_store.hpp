// The RUN cache mounts under ROOT/cache-mounts as cache entries (type exec.cachemount)
// for `mab du`, `mab prune` and the GC after a build: listing with sizes, metadata, and
// removal that never touches one in use.
//
// Each cache mount's directory <sha256>/ holds, besides data/ and `lock`
// (cache_mount.hpp), `meta.json`: its id, a description ("cached mount TARGET from exec
// ARGS", as BuildKit describes one) and when it was created, written when a RUN first
// uses it; the file's mtime is its last use, set when a RUN takes and releases it.
//
// In use: every CacheLease holds a shared flock on the cache mount's directory itself
// (opened O_DIRECTORY) while it exists, private copies included (they hold nothing on
// `lock`). Removal takes that flock exclusively without waiting, skipping a busy cache
// mount, renames the directory out of the way and deletes it. A lease that got its flock
// on a directory renamed meanwhile sees that the path names another inode, or none, and
// starts again, so it never uses a directory being deleted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/unique_fd.hpp"
#include "engine/cache/cache_mount_entry.hpp"

namespace mab::engine::ops {

struct CacheMountMeta {
    std::string id;
    std::string description;
    int64_t created = 0;  // seconds since the epoch
};

// Takes the shared flock on cache mount directory `dir` (created when missing),
// waiting while a removal holds it and polling `cancelled`; the lock goes with the fd.
// Throws Error(io) naming the directory, Error(cancelled).
UniqueFd hold_cache_mount_dir(const std::filesystem::path& dir, const std::function<bool()>& cancelled);

// Marks the cache mount in `dir` used now; writes its meta.json from `meta` first when it
// has none (a cache made by an older mab gets one on its next use). Failures are ignored:
// the metadata only serves du and GC.
void mark_cache_mount_used(const std::filesystem::path& dir, const CacheMountMeta& meta);

// Every cache mount under `cache_root` (none if it does not exist), with its size on disk
// and whether a RUN holds it now. A cache mount without meta.json (made by an older mab)
// is listed with its directory's times and no id.
std::vector<cache::CacheMountEntry> list_cache_mounts(const std::filesystem::path& cache_root);

// Removes cache mount `name` (a directory under `cache_root`) unless a RUN holds it;
// true when it was removed. Throws Error(io) when it cannot be renamed away.
bool remove_cache_mount(const std::filesystem::path& cache_root, const std::string& name);

// Deletes what a removal killed half-way left behind (`.removing-*` under `cache_root`).
void remove_abandoned_cache_mounts(const std::filesystem::path& cache_root);

} // namespace mab::engine::ops
