#include "engine/cache/gc_usage.hpp"

#include <algorithm>
#include <map>

namespace mab::engine::cache {

std::set<oci::Digest> blobs_of(const CacheRecord& record) {
    std::set<oci::Digest> out;
    for (const CachedLayer& layer : record.layers) out.insert(layer.layer.blob.digest);
    return out;
}

CacheUsage measure_usage(const std::vector<CacheRecord>& records,
                         const std::vector<oci::ContentStore::BlobInfo>& blobs,
                         const std::vector<CacheMountEntry>& cache_mounts) {
    std::map<oci::Digest, const oci::ContentStore::BlobInfo*> on_disk;
    for (const auto& blob : blobs) on_disk[blob.digest] = &blob;
    std::map<oci::Digest, int> references;
    for (const CacheRecord& record : records)
        for (const oci::Digest& digest : blobs_of(record)) ++references[digest];

    CacheUsage usage;
    for (const auto& blob : blobs) {
        usage.total += blob.size;
        const auto it = references.find(blob.digest);
        if (it == references.end()) {
            usage.unreferenced += blob.size;
            ++usage.unreferenced_count;
            usage.unreferenced_last_used = std::max(usage.unreferenced_last_used, blob.mtime);
        } else if (it->second > 1) {
            usage.shared += blob.size;
        }
    }
    usage.reclaimable = usage.total;
    for (const CacheMountEntry& mount : cache_mounts) {
        usage.total += mount.size;
        if (!mount.in_use) usage.reclaimable += mount.size;
    }
    usage.private_bytes = usage.total - usage.shared;
    for (const CacheRecord& record : records) {
        RecordUsage entry{record, 0, false};
        for (const oci::Digest& digest : blobs_of(record)) {
            const auto blob = on_disk.find(digest);
            if (blob == on_disk.end()) continue;
            if (references[digest] > 1) entry.shared = true;
            else entry.size += blob->second->size;
        }
        usage.records.push_back(std::move(entry));
    }
    std::sort(usage.records.begin(), usage.records.end(), [](const RecordUsage& a, const RecordUsage& b) {
        if (a.size != b.size) return a.size > b.size;
        if (a.record.last_used != b.record.last_used) return a.record.last_used > b.record.last_used;
        return a.record.key.str() < b.record.key.str();
    });
    usage.cache_mounts = cache_mounts;
    std::sort(usage.cache_mounts.begin(), usage.cache_mounts.end(),
              [](const CacheMountEntry& a, const CacheMountEntry& b) {
                  if (a.size != b.size) return a.size > b.size;
                  if (a.last_used != b.last_used) return a.last_used > b.last_used;
                  return a.name < b.name;
              });
    return usage;
}

} // namespace mab::engine::cache
