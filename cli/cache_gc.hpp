// The cache's garbage collection as the CLI runs it: the policy in effect (mab.yaml's
// `gc:` over BuildKit-like defaults), the collection after each build, and the listing
// `mab du`, `mab prune` and `mab info` share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/config_file.hpp"
#include "engine/cache/gc_plan.hpp"
#include "engine/cache/record_store.hpp"
#include "oci/content_store.hpp"

namespace mab::cli {

// Defaults, close to BuildKit's documented ones: keep 10% of the filesystem holding the
// root (at least 2GB, BuildKit's value when it cannot size the disk), and drop what has
// not been used for 60 days (BuildKit's 1440h rule).
constexpr int64_t k_gc_min_keep_bytes = int64_t{2} << 30;
constexpr double k_gc_default_percent = 10.0;
constexpr int64_t k_gc_default_keep_duration = 1440 * 3600;
// BuildKit's first default rule, for what is cheapest to make again (cache mounts here):
// unused for 48h and the cache above e·π·φ ≈ 13.8% of the keep-storage cap
// (BuildKit's tempCachePercent).
constexpr int64_t k_gc_cache_mount_keep_duration = 48 * 3600;
constexpr double k_gc_cache_mount_percent = 2.718281828459045 * 3.141592653589793 * 1.618033988749895;

struct GcSettings {
    bool enabled = true;
    engine::cache::GcPolicy policy;
    std::string keep_storage_origin;  // how keep_bytes was chosen, for `mab info`
};

GcSettings gc_settings_for(const GcConfig& config, const std::filesystem::path& root);

// Runs after a successful build: collects garbage by `config`'s policy if it is enabled
// and no other build holds the cache (never waits: a busy root is collected another
// time). Prints one line to stderr when it removed anything (not when `quiet`). Failures
// only warn.
void collect_garbage_after_build(const std::filesystem::path& root, const GcConfig& config, bool quiet);

// Everything the cache holds: readable records, published blobs and RUN cache mounts.
// Run inside mab's user namespace for a rootless user's cache mounts to be measured
// whole (files of ids above the user's own are unreadable outside it).
struct CacheListing {
    std::vector<engine::cache::CacheRecord> records;
    std::vector<oci::ContentStore::BlobInfo> blobs;
    std::vector<engine::cache::CacheMountEntry> cache_mounts;
};
CacheListing list_cache(const std::filesystem::path& root);

// Enters mab's user namespace (as a build does), so that cache mount files a rootless
// build's RUN wrote as another uid (a subordinate id on the host) can be measured and
// removed. Must run single-threaded. When the namespace cannot be entered it warns on
// stderr, naming `command`, and carries on: such files may then count or go only in part.
void enter_namespace_for_cache_mounts(const std::string& command);

// Removes a planned cache mount of `root` unless a RUN took it since it was listed.
engine::cache::RemoveCacheMount cache_mount_remover(const std::filesystem::path& root);

int64_t now_seconds();

} // namespace mab::cli
