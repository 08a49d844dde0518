#include "cli/cache_gc.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/cache_units.hpp"
#include "cli/storage_root.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

namespace {

// The size of the filesystem holding `root`; nullopt if it cannot be read.
std::optional<int64_t> filesystem_size(const fs::path& root) {
    struct statvfs st {};
    if (::statvfs(root.c_str(), &st) != 0) return std::nullopt;
    return static_cast<int64_t>(st.f_blocks) * static_cast<int64_t>(st.f_frsize);
}

} // namespace

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

GcSettings gc_settings_for(const GcConfig& config, const fs::path& root) {
    GcSettings settings;
    settings.enabled = config.enabled;
    settings.policy.keep_duration = config.keep_duration.value_or(k_gc_default_keep_duration);
    if (config.keep_storage_bytes) {
        settings.policy.keep_bytes = *config.keep_storage_bytes;
        settings.keep_storage_origin = "mab.yaml";
        return settings;
    }
    const double percent = config.keep_storage_percent.value_or(k_gc_default_percent);
    const std::optional<int64_t> disk = filesystem_size(root);
    if (!disk) {
        settings.policy.keep_bytes = k_gc_min_keep_bytes;
        settings.keep_storage_origin = "the size of the filesystem is unknown";
        return settings;
    }
    settings.policy.keep_bytes = static_cast<int64_t>(static_cast<double>(*disk) * percent / 100.0);
    settings.keep_storage_origin = fmt::format("{}% of {}", percent, human_size(*disk));
    if (!config.keep_storage_percent && settings.policy.keep_bytes < k_gc_min_keep_bytes) {
        settings.policy.keep_bytes = k_gc_min_keep_bytes;
        settings.keep_storage_origin += fmt::format(", at least {}", human_size(k_gc_min_keep_bytes));
    }
    if (config.keep_storage_percent) settings.keep_storage_origin += ", mab.yaml";
    return settings;
}

CacheListing list_cache(const fs::path& root) {
    const StorageRoot storage(root);
    oci::ContentStore content(storage.content_dir());
    const engine::cache::RecordStore records(storage.cache_dir() / "records", content);
    return CacheListing{records.list(), content.list()};
}

// Temporary files of writers that died (SIGKILL) before they renamed them into place:
// content/ingest/*, cache/records/.tmp-*, cache/stat/.tmp-*. Only while the cache lock
// is held exclusive, when no other mab process can be writing one.
void remove_dead_writers_files(const StorageRoot& storage) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(storage.content_dir() / "ingest", ec))
        fs::remove(e.path(), ec);
    for (const char* dir : {"records", "stat"}) {
        for (const fs::directory_entry& e : fs::directory_iterator(storage.cache_dir() / dir, ec))
            if (e.path().filename().string().rfind(".tmp-", 0) == 0) fs::remove(e.path(), ec);
    }
}

void collect_garbage_after_build(const fs::path& root, const GcConfig& config, bool quiet) {
    const GcSettings settings = gc_settings_for(config, root);
    try {
        const StorageRoot storage(root);
        // Never wait: another build is running, so this one's garbage can wait too.
        const UniqueFd lock = storage.lock_cache(CacheLockMode::exclusive, false);
        if (!lock) return;
        remove_dead_writers_files(storage);
        if (!settings.enabled) return;
        oci::ContentStore content(storage.content_dir());
        const engine::cache::RecordStore records(storage.cache_dir() / "records", content);
        const engine::cache::PrunePlan plan =
            engine::cache::plan_gc(records.list(), content.list(), settings.policy, now_seconds());
        if (plan.records.empty() && plan.blobs.empty()) return;
        const engine::cache::PruneResult result = engine::cache::execute_plan(plan, records, content);
        if (quiet) return;
        fmt::print(stderr, "garbage collection: removed {} cache records and {} blobs, {} (keep-storage {}, "
                           "keep-duration {})\n",
                   result.records.size(), result.blobs, human_size(result.bytes),
                   human_size(settings.policy.keep_bytes), go_duration(settings.policy.keep_duration));
    } catch (const Error& e) {
        // The build itself succeeded; its outputs are written. Say why the root was not
        // collected and let the next build or `mab prune` do it.
        fmt::print(stderr, "WARNING: garbage collection after the build failed: {}\n", e.what());
    }
}

} // namespace mab::cli
