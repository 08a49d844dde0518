// The table `mab du` and `mab prune` print, in buildx du's columns:
// ID, RECLAIMABLE, SIZE (a '*' when the record also shares blobs with others), LAST ACCESSED.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/cache/gc_usage.hpp"
#include "engine/cache/type_filter.hpp"
#include "oci/digest.hpp"

namespace mab::cli {

// --filter values of du and prune, as buildx reads them: until=DURATION (or its alias
// unused-for=), type=TYPE (also type==TYPE; several are alternatives) and type!=TYPE,
// with BuildKit's type names (engine/cache/type_filter.hpp). Anything else throws
// Error(usage).
struct CacheFilters {
    std::optional<int64_t> until;  // seconds
    engine::cache::TypeFilter types;
};
CacheFilters parse_cache_filters(const std::vector<std::string>& filters, const std::string& command);

// A record's short ID: the first 25 hex digits of its key (buildx's ID length); a cache
// mount's is the first 25 of its directory's name.
std::string cache_id(const oci::Digest& key);
std::string cache_id(const engine::cache::CacheMountEntry& mount);
// The ID of the line for blobs no record references.
inline const char* const k_unreferenced_id = "unreferenced";

void print_cache_table_header();
// Records and blobs are always reclaimable (a build using them holds the cache lock,
// which prune waits for); a cache mount is not while a RUN holds it.
void print_cache_row(const std::string& id, int64_t size, bool shared, bool reclaimable, int64_t last_used,
                     int64_t now);
// "Shared:", "Private:", "Reclaimable:", "Total:" lines.
// `width` is the label column's, indent included.
void print_usage_totals(const engine::cache::CacheUsage& usage, const std::string& indent = "", size_t width = 15);

} // namespace mab::cli
