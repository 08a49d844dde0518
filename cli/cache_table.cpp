#include "cli/cache_table.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/cache_units.hpp"

namespace mab::cli {

std::optional<int64_t> until_filter(const std::vector<std::string>& filters, const std::string& command) {
    std::optional<int64_t> until;
    for (const std::string& filter : filters) {
        const size_t eq = filter.find('=');
        const std::string key = filter.substr(0, eq);
        if (eq == std::string::npos || (key != "until" && key != "unused-for"))
            throw Error(ErrorKind::usage, fmt::format("mab {}: unsupported filter \"{}\"", command, filter))
                .with_hint("mab supports --filter until=DURATION (e.g. until=24h)");
        until = parse_duration(filter.substr(eq + 1));
        if (!until)
            throw Error(ErrorKind::usage,
                        fmt::format("mab {}: --filter {}: \"{}\" is not a duration", command, filter,
                                    filter.substr(eq + 1)))
                .with_hint("write durations as Go does: 24h, 90m, 1h30m");
    }
    return until;
}

std::string cache_id(const oci::Digest& key) { return key.short_hex(25); }

void print_cache_table_header() {
    fmt::print("{:<34}{:<15}{:<14}{}\n", "ID", "RECLAIMABLE", "SIZE", "LAST ACCESSED");
}

void print_cache_row(const std::string& id, int64_t size, bool shared, int64_t last_used, int64_t now) {
    // Everything is reclaimable: a record in use by a build is protected by the cache lock,
    // not by being left out of prune's plan.
    fmt::print("{:<34}{:<15}{:<14}{} ago\n", id, "true", human_size(size) + (shared ? "*" : ""),
               human_duration(now - last_used));
}

void print_usage_totals(const engine::cache::CacheUsage& usage, const std::string& indent, size_t width) {
    width -= indent.size();
    fmt::print("{}{:<{}}{}\n", indent, "Shared:", width, human_size(usage.shared));
    fmt::print("{}{:<{}}{}\n", indent, "Private:", width, human_size(usage.private_bytes));
    fmt::print("{}{:<{}}{}\n", indent, "Reclaimable:", width, human_size(usage.total));
    fmt::print("{}{:<{}}{}\n", indent, "Total:", width, human_size(usage.total));
}

} // namespace mab::cli
