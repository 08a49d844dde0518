#include "cli/cache_table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "base/error.hpp"
#include "base/suggest.hpp"
#include "cli/cache_units.hpp"

namespace mab::cli {

namespace {

std::string type_name(const std::string& value, const std::string& filter, const std::string& command) {
    const std::vector<std::string>& known = engine::cache::known_record_types();
    if (std::find(known.begin(), known.end(), value) != known.end()) return value;
    throw Error(ErrorKind::usage,
                fmt::format("mab {}: --filter {}: unknown type \"{}\"{}", command, filter, value, did_you_mean(value, known)))
        .with_hint(fmt::format("BuildKit's types are {}", fmt::join(known, ", ")));
}

} // namespace

CacheFilters parse_cache_filters(const std::vector<std::string>& filters, const std::string& command) {
    CacheFilters out;
    for (const std::string& filter : filters) {
        // type!=X, type==X, type=X, until=D: the operator is the first of "!=", "==", "=".
        const size_t eq = filter.find('=');
        const bool negated = eq != std::string::npos && eq > 0 && filter[eq - 1] == '!';
        const std::string key = eq == std::string::npos ? filter : filter.substr(0, negated ? eq - 1 : eq);
        std::string value = eq == std::string::npos ? "" : filter.substr(eq + 1);
        if (key == "type" && eq != std::string::npos) {
            if (!negated && !value.empty() && value.front() == '=') value.erase(0, 1);
            (negated ? out.types.except : out.types.only).insert(type_name(value, filter, command));
            continue;
        }
        if (negated || eq == std::string::npos || (key != "until" && key != "unused-for"))
            throw Error(ErrorKind::usage, fmt::format("mab {}: unsupported filter \"{}\"", command, filter))
                .with_hint("mab supports --filter until=DURATION (e.g. until=24h), type=TYPE and type!=TYPE "
                           "(e.g. type=exec.cachemount)");
        out.until = parse_duration(value);
        if (!out.until)
            throw Error(ErrorKind::usage,
                        fmt::format("mab {}: --filter {}: \"{}\" is not a duration", command, filter, value))
                .with_hint("write durations as Go does: 24h, 90m, 1h30m");
    }
    return out;
}

std::string cache_id(const oci::Digest& key) { return key.short_hex(25); }

std::string cache_id(const engine::cache::CacheMountEntry& mount) { return mount.name.substr(0, 25); }

void print_cache_table_header() {
    fmt::print("{:<34}{:<15}{:<14}{}\n", "ID", "RECLAIMABLE", "SIZE", "LAST ACCESSED");
}

void print_cache_row(const std::string& id, int64_t size, bool shared, bool reclaimable, int64_t last_used,
                     int64_t now) {
    fmt::print("{:<34}{:<15}{:<14}{} ago\n", id, reclaimable ? "true" : "false", human_size(size) + (shared ? "*" : ""),
               human_duration(now - last_used));
}

void print_usage_totals(const engine::cache::CacheUsage& usage, const std::string& indent, size_t width) {
    width -= indent.size();
    fmt::print("{}{:<{}}{}\n", indent, "Shared:", width, human_size(usage.shared));
    fmt::print("{}{:<{}}{}\n", indent, "Private:", width, human_size(usage.private_bytes));
    fmt::print("{}{:<{}}{}\n", indent, "Reclaimable:", width, human_size(usage.reclaimable));
    fmt::print("{}{:<{}}{}\n", indent, "Total:", width, human_size(usage.total));
}

} // namespace mab::cli
