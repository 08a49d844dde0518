#include "cli/cache_gc.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <tuple>
#include <utility>

#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/cache_units.hpp"
#include "cli/storage_root.hpp"
#include "engine/ops/cache_mount_store.hpp"
#include "executor/user_namespace.hpp"

namespace mab::cli {

namespace fs = std::filesystem;

namespace {

// The size of the filesystem holding `root`; nullopt if it cannot be read.
std::optional<int64_t> filesystem_size(const fs::path& root) {
    struct statvfs st {};
    if (::statvfs(root.c_str(), &st) != 0) return std::nullopt;
    return static_cast<int64_t>(st.f_blocks) * static_cast<int64_t>(st.f_frsize);
}

// The keep-storage cap and where it came from.
std::pair<int64_t, std::string> keep_storage_for(const GcConfig& config, const fs::path& root) {
    if (config.keep_storage_bytes) return {*config.keep_storage_bytes, "mab.yaml"};
    const double percent = config.keep_storage_percent.value_or(k_gc_default_percent);
    const std::optional<int64_t> disk = filesystem_size(root);
    if (!disk) return {k_gc_min_keep_bytes, "the size of the filesystem is unknown"};
    int64_t keep = static_cast<int64_t>(static_cast<double>(*disk) * percent / 100.0);
    std::string origin = fmt::format("{}% of {}", percent, human_size(*disk));
    if (!config.keep_storage_percent && keep < k_gc_min_keep_bytes) {
        keep = k_gc_min_keep_bytes;
        origin += fmt::format(", at least {}", human_size(k_gc_min_keep_bytes));
    }
    if (config.keep_storage_percent) origin += ", mab.yaml";
    return {keep, origin};
}

} // namespace

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

GcSettings gc_settings_for(const GcConfig& config, const fs::path& root) {
    GcSettings settings;
    settings.enabled = config.enabled;
    settings.policy.keep_duration = config.keep_duration.value_or(k_gc_default_keep_duration);
    std::tie(settings.policy.keep_bytes, settings.keep_storage_origin) = keep_storage_for(config, root);
    settings.policy.cache_mount_keep_duration = k_gc_cache_mount_keep_duration;
    settings.policy.cache_mount_keep_bytes =
        static_cast<int64_t>(static_cast<double>(settings.policy.keep_bytes) * k_gc_cache_mount_percent / 100.0);
    return settings;
}

CacheListing list_cache(const fs::path& root) {
    const StorageRoot storage(root);
    oci::ContentStore content(storage.content_dir());
    const engine::cache::RecordStore records(storage.cache_dir() / "records", content);
    return CacheListing{records.list(), content.list(), engine::ops::list_cache_mounts(storage.cache_mounts_dir())};
}

void enter_namespace_for_cache_mounts(const std::string& command) {
    try {
        // A user without subordinate ids has only their own mapped, so nothing of another
        // id can be in their cache mounts: the namespace's warning does not apply here.
        executor::enter_build_namespace();
    } catch (const Error& e) {
        fmt::print(stderr, "WARNING: mab {}: cannot enter mab's user namespace ({}); cache mount files owned by "
                           "other ids may be counted or removed only in part\n",
                   command, e.what());
    }
}

engine::cache::RemoveCacheMount cache_mount_remover(const fs::path& root) {
    const fs::path cache_mounts = StorageRoot(root).cache_mounts_dir();
    return [cache_mounts](const engine::cache::CacheMountEntry& mount) {
        return engine::ops::remove_cache_mount(cache_mounts, mount.name);
    };
}

// Temporary files of writers that died (SIGKILL) before they renamed them into place:
// content/ingest/*, cache/records/.tmp-*, cache/stat/.tmp-*. Only while the cache lock
// is held exclusive, when no other mab process can be writing one.
void remove_dead_writers_files(const StorageRoot& storage) {
    engine::ops::remove_abandoned_cache_mounts(storage.cache_mounts_dir());
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
            engine::cache::plan_gc(records.list(), content.list(),
                                   engine::ops::list_cache_mounts(storage.cache_mounts_dir()), settings.policy,
                                   now_seconds());
        if (plan.records.empty() && plan.blobs.empty() && plan.cache_mounts.empty()) return;
        const engine::cache::PruneResult result =
            engine::cache::execute_plan(plan, records, content, cache_mount_remover(root));
        if (quiet) return;
        fmt::print(stderr, "garbage collection: removed {} cache records, {} cache mounts and {} blobs, {} "
                           "(keep-storage {}, keep-duration {})\n",
                   result.records.size(), result.cache_mounts.size(), result.blobs, human_size(result.bytes),
                   human_size(settings.policy.keep_bytes), go_duration(settings.policy.keep_duration));
    } catch (const Error& e) {
        // The build itself succeeded; its outputs are written. Say why the root was not
        // collected and let the next build or `mab prune` do it.
        fmt::print(stderr, "WARNING: garbage collection after the build failed: {}\n", e.what());
    }
}

} // namespace mab::cli
