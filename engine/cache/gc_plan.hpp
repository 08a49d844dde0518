// Which records and blobs a prune or an automatic garbage collection removes, and the
// removal itself.
//
// The cache is a set of entries: records (last used = their file's mtime) and blobs no
// record references (last used = when they were written). Rules remove entries least
// recently used first; a record's blobs go with it once no kept record references them,
// so a blob several records share stays as long as one of them does.
//
// The caller must hold the storage root's exclusive lock (no build running): the plan is
// made from a listing, and only the lock makes sure nothing starts using what it names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "engine/cache/record_store.hpp"
#include "oci/content_store.hpp"

namespace mab::engine::cache {

struct PruneRule {
    // Only entries not used for at least this many seconds (buildx's until=).
    std::optional<int64_t> unused_for;
    // Stop once the cache (every blob still kept) is at most this many bytes; without
    // it, every entry the rule selects goes.
    std::optional<int64_t> keep_bytes;
};

struct PrunePlan {
    std::vector<CacheRecord> records;                 // least recently used first
    std::vector<oci::ContentStore::BlobInfo> blobs;   // removed after the records
    int64_t bytes = 0;                                // the blobs' sizes
};

class PrunePlanner {
public:
    // `now`: seconds since the epoch, against which last uses are aged.
    PrunePlanner(std::vector<CacheRecord> records, std::vector<oci::ContentStore::BlobInfo> blobs, int64_t now);

    // Removes the entries `rule` selects (a later rule sees what earlier ones left).
    void apply(const PruneRule& rule);
    // Also removes every blob no kept record references (what `mab prune` does).
    void remove_unreferenced_blobs();
    // Bytes of every blob still kept.
    int64_t kept_bytes() const { return m_kept_bytes; }
    PrunePlan plan() const;

private:
    struct Entry {
        int64_t last_used = 0;
        std::optional<size_t> record;       // an index into m_records, or
        std::optional<oci::Digest> blob;    // an unreferenced blob
    };
    void remove_record(size_t index);
    void remove_blob(const oci::Digest& digest);

    std::vector<CacheRecord> m_records;
    std::vector<bool> m_record_removed;
    std::vector<size_t> m_removal_order;    // records, in the order they were removed
    std::map<oci::Digest, oci::ContentStore::BlobInfo> m_blobs;  // on disk
    std::map<oci::Digest, int> m_references;                      // by kept records
    std::set<oci::Digest> m_blobs_removed;
    int64_t m_kept_bytes = 0;
    int64_t m_now = 0;
};

// Automatic garbage collection after a build, BuildKit-like: entries unused for longer
// than `keep_duration` seconds go, then the least recently used ones while the cache is
// above `keep_bytes`. Unreferenced blobs are entries like records (not swept at once),
// so a base image pulled a moment ago stays while the cache is small.
struct GcPolicy {
    int64_t keep_bytes = 0;
    int64_t keep_duration = 0;
};
PrunePlan plan_gc(std::vector<CacheRecord> records, std::vector<oci::ContentStore::BlobInfo> blobs,
                  const GcPolicy& policy, int64_t now);

struct PruneResult {
    std::vector<CacheRecord> records;  // removed
    size_t blobs = 0;                  // removed
    int64_t bytes = 0;                 // freed
};

// Removes the plan's records first, then its blobs: a crash in between leaves only
// blobs no record references, which the next prune removes. `stat_dir`, if given, is
// emptied too (the stat caches, for `prune --all`).
PruneResult execute_plan(const PrunePlan& plan, const RecordStore& records, oci::ContentStore& content,
                         const std::optional<std::filesystem::path>& stat_dir = {});

} // namespace mab::engine::cache
