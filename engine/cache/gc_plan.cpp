#include "engine/cache/gc_plan.hpp"

#include <algorithm>

#include "base/error.hpp"
#include "engine/cache/gc_usage.hpp"

namespace mab::engine::cache {

namespace fs = std::filesystem;

PrunePlanner::PrunePlanner(std::vector<CacheRecord> records, std::vector<oci::ContentStore::BlobInfo> blobs,
                           std::vector<CacheMountEntry> cache_mounts, int64_t now)
    : m_records(std::move(records)), m_record_removed(m_records.size(), false),
      m_cache_mounts(std::move(cache_mounts)), m_cache_mount_removed(m_cache_mounts.size(), false), m_now(now) {
    for (const auto& blob : blobs) {
        m_blobs[blob.digest] = blob;
        m_kept_bytes += blob.size;
    }
    for (const CacheMountEntry& mount : m_cache_mounts) m_kept_bytes += mount.size;
    for (const CacheRecord& record : m_records)
        for (const oci::Digest& digest : blobs_of(record)) ++m_references[digest];
}

void PrunePlanner::remove_blob(const oci::Digest& digest) {
    const auto blob = m_blobs.find(digest);
    if (blob == m_blobs.end() || !m_blobs_removed.insert(digest).second) return;
    m_kept_bytes -= blob->second.size;
}

void PrunePlanner::remove_record(size_t index) {
    m_record_removed[index] = true;
    m_removal_order.push_back(index);
    // Its blobs go once no kept record references them.
    for (const oci::Digest& digest : blobs_of(m_records[index]))
        if (--m_references[digest] == 0) remove_blob(digest);
}

std::vector<PrunePlanner::Entry> PrunePlanner::candidates(const PruneRule& rule) const {
    std::vector<Entry> entries;
    if (rule.types.matches(k_type_regular)) {
        for (size_t i = 0; i < m_records.size(); ++i)
            if (!m_record_removed[i]) entries.push_back(Entry{m_records[i].last_used, i, std::nullopt, std::nullopt});
        for (const auto& [digest, blob] : m_blobs) {
            const auto refs = m_references.find(digest);
            if ((refs == m_references.end() || refs->second == 0) && !m_blobs_removed.count(digest))
                entries.push_back(Entry{blob.mtime, std::nullopt, digest, std::nullopt});
        }
    }
    if (rule.types.matches(k_type_cache_mount)) {
        for (size_t i = 0; i < m_cache_mounts.size(); ++i) {
            // One in use stays: a RUN is writing it.
            if (!m_cache_mount_removed[i] && !m_cache_mounts[i].in_use)
                entries.push_back(Entry{m_cache_mounts[i].last_used, std::nullopt, std::nullopt, i});
        }
    }
    if (rule.unused_for) {
        const int64_t cutoff = m_now - *rule.unused_for;
        std::erase_if(entries, [cutoff](const Entry& e) { return e.last_used > cutoff; });
    }
    return entries;
}

void PrunePlanner::apply(const PruneRule& rule) {
    std::vector<Entry> entries = candidates(rule);
    // Least recently used first; ties in a fixed order, so plans are reproducible.
    auto tie_key = [this](const Entry& e) {
        if (e.record) return m_records[*e.record].key.str();
        if (e.blob) return e.blob->str();
        return "cache-mount:" + m_cache_mounts[*e.cache_mount].name;
    };
    std::sort(entries.begin(), entries.end(), [&tie_key](const Entry& a, const Entry& b) {
        if (a.last_used != b.last_used) return a.last_used < b.last_used;
        return tie_key(a) < tie_key(b);
    });
    for (const Entry& entry : entries) {
        if (rule.keep_bytes && m_kept_bytes <= *rule.keep_bytes) break;
        if (entry.record) {
            remove_record(*entry.record);
        } else if (entry.blob) {
            remove_blob(*entry.blob);
        } else {
            m_cache_mount_removed[*entry.cache_mount] = true;
            m_cache_mount_removal_order.push_back(*entry.cache_mount);
            m_kept_bytes -= m_cache_mounts[*entry.cache_mount].size;
        }
    }
}

void PrunePlanner::remove_unreferenced_blobs() {
    for (const auto& [digest, blob] : m_blobs)
        if (m_references[digest] == 0) remove_blob(digest);
}

PrunePlan PrunePlanner::plan() const {
    PrunePlan plan;
    for (size_t index : m_removal_order) plan.records.push_back(m_records[index]);
    for (const oci::Digest& digest : m_blobs_removed) {
        plan.blobs.push_back(m_blobs.at(digest));
        plan.bytes += m_blobs.at(digest).size;
    }
    for (size_t index : m_cache_mount_removal_order) {
        plan.cache_mounts.push_back(m_cache_mounts[index]);
        plan.bytes += m_cache_mounts[index].size;
    }
    return plan;
}

PrunePlan plan_gc(std::vector<CacheRecord> records, std::vector<oci::ContentStore::BlobInfo> blobs,
                  std::vector<CacheMountEntry> cache_mounts, const GcPolicy& policy, int64_t now) {
    PrunePlanner planner(std::move(records), std::move(blobs), std::move(cache_mounts), now);
    TypeFilter cache_mounts_only;
    cache_mounts_only.only.insert(std::string(k_type_cache_mount));
    planner.apply(PruneRule{policy.cache_mount_keep_duration, policy.cache_mount_keep_bytes, cache_mounts_only});
    planner.apply(PruneRule{policy.keep_duration, std::nullopt});
    planner.apply(PruneRule{std::nullopt, policy.keep_bytes});
    return planner.plan();
}

PruneResult execute_plan(const PrunePlan& plan, const RecordStore& records, oci::ContentStore& content,
                         const RemoveCacheMount& remove_cache_mount, const std::optional<fs::path>& stat_dir) {
    PruneResult result;
    for (const CacheMountEntry& mount : plan.cache_mounts) {
        if (!remove_cache_mount(mount)) continue;  // a RUN took it since the listing
        result.cache_mounts.push_back(mount);
        result.bytes += mount.size;
    }
    // Records first: from here on no lookup finds them, so their blobs are unused.
    for (const CacheRecord& record : plan.records) {
        records.remove(record.key);
        result.records.push_back(record);
    }
    for (const auto& blob : plan.blobs) {
        if (content.remove(blob.digest)) {
            ++result.blobs;
            result.bytes += blob.size;
        }
    }
    if (stat_dir) {
        std::error_code ec;
        for (const fs::directory_entry& entry : fs::directory_iterator(*stat_dir, ec)) {
            std::error_code size_ec;
            const auto size = entry.is_regular_file(size_ec) ? fs::file_size(entry.path(), size_ec) : 0;
            std::error_code remove_ec;
            if (fs::remove_all(entry.path(), remove_ec) > 0 && !size_ec) result.bytes += static_cast<int64_t>(size);
        }
    }
    return result;
}

} // namespace mab::engine::cache
