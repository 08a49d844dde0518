// What the persistent cache occupies, as `mab du` shows it: each record's private bytes
// (blobs no other record references), the bytes shared between records, the blobs no
// record references at all (pulled base images' manifests and configs, exported images,
// layers of records already removed) and the RUN cache mounts.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "engine/cache/cache_mount_entry.hpp"
#include "engine/cache/record_store.hpp"
#include "oci/content_store.hpp"

namespace mab::engine::cache {

// The distinct blobs a record names (a layer may repeat, say two empty layers).
std::set<oci::Digest> blobs_of(const CacheRecord& record);

struct RecordUsage {
    CacheRecord record;
    int64_t size = 0;     // bytes of the blobs only this record references
    bool shared = false;  // it also references blobs other records reference
};

struct CacheUsage {
    std::vector<RecordUsage> records;  // largest first, then most recently used
    int64_t unreferenced = 0;          // bytes of blobs no record references
    size_t unreferenced_count = 0;
    int64_t unreferenced_last_used = 0;  // the newest of them (seconds since the epoch)
    std::vector<CacheMountEntry> cache_mounts;  // largest first, then most recently used
    int64_t shared = 0;                // bytes of blobs several records reference
    int64_t private_bytes = 0;         // records' private bytes, unreferenced blobs, cache mounts
    int64_t reclaimable = 0;           // everything but the cache mounts RUNs hold now
    int64_t total = 0;                 // every blob in the content store and every cache mount
};

// Sizes come from the blobs on disk: a record naming a blob that is gone counts nothing
// for it.
CacheUsage measure_usage(const std::vector<CacheRecord>& records,
                         const std::vector<oci::ContentStore::BlobInfo>& blobs,
                         const std::vector<CacheMountEntry>& cache_mounts);

} // namespace mab::engine::cache
