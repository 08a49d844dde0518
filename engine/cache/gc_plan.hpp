// Which records and blobs a prune or an automatic garbage collection removes, and the
// removal itself.
//
// The cache is a set of entries: records (last used = their file's mtime), blobs no
// record references (last used = when they were written), both of type `regular`, and
// RUN cache mounts (`exec.cachemount`, last used = when a RUN last held one). Rules
// remove entries least recently used first; a record's blobs go with it once no kept
// record references them, so a blob several records share stays as long as one of them
// does. A cache mount in use is never planned for removal (but counts toward the size).
//
// Records and blobs: the caller must hold the storage root's exclusive lock (no build
// running): the plan is made from a listing, and only the lock makes sure nothing starts
// using what it names. Cache mounts have locks of their own, which their removal takes
// (engine/ops/cache_mount_store.hpp), so a plan naming only cache mounts needs no root lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "engine/cache/cache_mount_entry.hpp"
#include "engine/cache/record_store.hpp"
#include "engine/cache/type_filter.hpp"
#include "oci/content_store.hpp"

namespace mab::engine::cache {

struct PruneRule {
    // Only entries not used for at least this many seconds (buildx's until=).
    std::optional<int64_t> unused_for;
    // Stop once the cache (every blob and cache mount still kept) is at most this many
    // bytes; without it, every entry the rule selects goes.
    std::optional<int64_t> keep_bytes;
    // Only entries of these types (buildx's type= filters); default: every type.
    TypeFilter types = {};
};

struct PrunePlan {
    std::vector<CacheRecord> records;                 // least recently used first
    std::vector<oci::ContentStore::BlobInfo> blobs;   // removed after the records
    std::vector<CacheMountEntry> cache_mounts;        // least recently used first
    int64_t bytes = 0;                                // the blobs' and cache mounts' sizes
};

class PrunePlanner {
public:
    // `now`: seconds since the epoch, against which last uses are aged.
    PrunePlanner(std::vector<CacheRecord> records, std::vector<oci::ContentStore::BlobInfo> blobs,
                 std::vector<CacheMountEntry> cache_mounts, int64_t now);

    // Removes the entries `rule` selects (a later rule sees what earlier ones left).
    void apply(const PruneRule& rule);
    // Also removes every blob no kept record references (what `mab prune` does).
    void remove_unreferenced_blobs();
    // Bytes of every blob and cache mount still kept.
    int64_t kept_bytes() const { return m_kept_bytes; }
    PrunePlan plan() const;

private:
    struct Entry {
        int64_t last_used = 0;
        std::optional<size_t> record;       // an index into m_records, or
        std::optional<oci::Digest> blob;    // an unreferenced blob, or
        std::optional<size_t> cache_mount;  // an index into m_cache_mounts
    };
    std::vector<Entry> candidates(const PruneRule& rule) const;
    void remove_record(size_t index);
    void remove_blob(const oci::Digest& digest);

    std::vector<CacheRecord> m_records;
    std::vector<bool> m_record_removed;
    std::vector<size_t> m_removal_order;    // records, in the order they were removed
    std::map<oci::Digest, oci::ContentStore::BlobInfo> m_blobs;  // on disk
    std::map<oci::Digest, int> m_references;                      // by kept records
    std::set<oci::Digest> m_blobs_removed;
    std::vector<CacheMountEntry> m_cache_mounts;
    std::vector<bool> m_cache_mount_removed;
    std::vector<size_t> m_cache_mount_removal_order;
    int64_t m_kept_bytes = 0;
    int64_t m_now = 0;
};

// Automatic garbage collection after a build, BuildKit's default policy as far as mab
// has its parts: first cache mounts unused for `cache_mount_keep_duration` seconds, least
// recently used first, while the cache is above `cache_mount_keep_bytes` (BuildKit's rule
// for the "most easily reproducible data": local sources, git checkouts, cache mounts),
// then entries of any type unused for longer than `keep_duration`, then the least
// recently used ones while the cache is above `keep_bytes`. Unreferenced blobs are
// entries like records (not swept at once), so a base image pulled a moment ago stays
// while the cache is small.
struct GcPolicy {
    int64_t keep_bytes = 0;
    int64_t keep_duration = 0;
    int64_t cache_mount_keep_bytes = 0;
    int64_t cache_mount_keep_duration = 0;
};
PrunePlan plan_gc(std::vector<CacheRecord> records, std::vector<oci::ContentStore::BlobInfo> blobs,
                  std::vector<CacheMountEntry> cache_mounts, const GcPolicy& policy, int64_t now);

struct PruneResult {
    std::vector<CacheRecord> records;             // removed
    size_t blobs = 0;                             // removed
    std::vector<CacheMountEntry> cache_mounts;    // removed
    int64_t bytes = 0;                            // freed
};

// Removes one cache mount unless a RUN took it since it was listed; true when removed.
using RemoveCacheMount = std::function<bool(const CacheMountEntry&)>;

// Removes the plan's cache mounts (through `remove_cache_mount`, skipping those it
// says are busy), its records, then its blobs: a crash in between leaves only blobs no
// record references, which the next prune removes. `stat_dir`, if given, is emptied
// too (the stat caches, for `prune --all`).
PruneResult execute_plan(const PrunePlan& plan, const RecordStore& records, oci::ContentStore& content,
                         const RemoveCacheMount& remove_cache_mount,
                         const std::optional<std::filesystem::path>& stat_dir = {});

} // namespace mab::engine::cache
