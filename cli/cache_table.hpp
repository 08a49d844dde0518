// The table `mab du` and `mab prune` print, in buildx du's columns:
// ID, RECLAIMABLE, SIZE (a '*' when the record also shares blobs with others), LAST ACCESSED.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/cache/gc_usage.hpp"
#include "oci/digest.hpp"

namespace mab::cli {

// --filter values of du and prune: only until=DURATION (or its alias unused-for=) is
// known; returns the seconds, nullopt when no filter was given. Others throw Error(usage).
std::optional<int64_t> until_filter(const std::vector<std::string>& filters, const std::string& command);

// A record's short ID: the first 25 hex digits of its key (buildx's ID length).
std::string cache_id(const oci::Digest& key);
// The ID of the line for blobs no record references.
inline const char* const k_unreferenced_id = "unreferenced";

void print_cache_table_header();
void print_cache_row(const std::string& id, int64_t size, bool shared, int64_t last_used, int64_t now);
// "Shared:", "Private:", "Reclaimable:", "Total:" lines.
// `width` is the label column's, indent included.
void print_usage_totals(const engine::cache::CacheUsage& usage, const std::string& indent = "", size_t width = 15);

} // namespace mab::cli
