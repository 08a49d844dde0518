// `mab du`: what the storage root's cache occupies, as `docker buildx du` shows a
// builder's: one line per record (its private size), one per RUN cache mount, one for
// the blobs no record references, then the Shared/Private/Reclaimable/Total lines.
#include <fmt/format.h>

#include <ctime>

#include "base/error.hpp"
#include "cli/cache_gc.hpp"
#include "cli/cache_table.hpp"
#include "cli/cache_units.hpp"
#include "cli/command.hpp"
#include "cli/flags.hpp"

namespace mab::cli {

namespace {

const std::vector<FlagSpec> k_du_flags{
    {"filter", 0, "FILTER",
     "Show only entries matching: until=DURATION (unused for at least DURATION), type=TYPE or type!=TYPE "
     "(regular, exec.cachemount, ...)",
     ""},
    {"verbose", 0, "", "Show every record in detail", ""},
    {"help", 'h', "", "Show this help", ""},
};

// Go's time.Time String, as buildx prints "Created at".
std::string go_time(int64_t seconds) {
    const std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm {};
    ::gmtime_r(&t, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S +0000 UTC", &tm);
    return text;
}

void print_verbose(const engine::cache::RecordUsage& entry, int64_t now) {
    const engine::cache::CacheRecord& r = entry.record;
    fmt::print("{:<14}{}\n", "ID:", r.key.hex());
    fmt::print("{:<14}{}\n", "Created at:", go_time(r.created));
    fmt::print("{:<14}{}\n", "Mutable:", "false");
    fmt::print("{:<14}{}\n", "Reclaimable:", "true");
    fmt::print("{:<14}{}\n", "Shared:", entry.shared ? "true" : "false");
    fmt::print("{:<14}{}\n", "Size:", human_size(entry.size));
    fmt::print("{:<14}{}\n", "Description:", r.description);
    fmt::print("{:<14}{} ago\n", "Last used:", human_duration(now - r.last_used));
    fmt::print("{:<14}{}\n", "Type:", "regular");
    fmt::print("{:<14}{}\n\n", "Layers:", r.layers.size());
}

void print_verbose(const engine::cache::CacheMountEntry& m, int64_t now) {
    fmt::print("{:<14}{}\n", "ID:", cache_id(m));
    fmt::print("{:<14}{}\n", "Created at:", go_time(m.created));
    fmt::print("{:<14}{}\n", "Mutable:", "true");
    fmt::print("{:<14}{}\n", "Reclaimable:", m.in_use ? "false" : "true");
    fmt::print("{:<14}{}\n", "Shared:", "false");
    fmt::print("{:<14}{}\n", "Size:", human_size(m.size));
    fmt::print("{:<14}{}\n", "Description:", m.description.empty() ? "cached mount" : m.description);
    if (!m.id.empty()) fmt::print("{:<14}{}\n", "Cache ID:", m.id);
    fmt::print("{:<14}{} ago\n", "Last used:", human_duration(now - m.last_used));
    fmt::print("{:<14}{}\n\n", "Type:", engine::cache::k_type_cache_mount);
}

} // namespace

int run_du_command(const std::vector<std::string>& args, CommandContext& ctx) {
    const ParsedFlags flags = parse_flags(args, k_du_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab du [--verbose] [--filter until=DURATION] [--filter type=TYPE]\n\n"
                   "Show the disk usage of the build cache under the storage root.\n\n"
                   "Options:\n{}",
                   format_flag_help(k_du_flags));
        return 0;
    }
    if (!flags.positional.empty())
        throw Error(ErrorKind::usage, fmt::format("mab du takes no arguments, got \"{}\"", flags.positional.front()));
    const CacheFilters filters = parse_cache_filters(flags.all("filter"), "du");
    enter_namespace_for_cache_mounts("du");
    const CacheListing listing = list_cache(ctx.global.root);
    const engine::cache::CacheUsage usage =
        engine::cache::measure_usage(listing.records, listing.blobs, listing.cache_mounts);
    const int64_t now = now_seconds();
    auto shown = [&](std::string_view type, int64_t last_used) {
        return filters.types.matches(type) && (!filters.until || now - last_used >= *filters.until);
    };
    using engine::cache::k_type_cache_mount;
    using engine::cache::k_type_regular;
    const bool unreferenced_shown =
        usage.unreferenced_count > 0 && shown(k_type_regular, usage.unreferenced_last_used);

    if (flags.flag("verbose")) {
        for (const engine::cache::RecordUsage& entry : usage.records)
            if (shown(k_type_regular, entry.record.last_used)) print_verbose(entry, now);
        for (const engine::cache::CacheMountEntry& mount : usage.cache_mounts)
            if (shown(k_type_cache_mount, mount.last_used)) print_verbose(mount, now);
        if (unreferenced_shown) {
            fmt::print("{:<14}{}\n", "ID:", k_unreferenced_id);
            fmt::print("{:<14}{}\n", "Reclaimable:", "true");
            fmt::print("{:<14}{}\n", "Size:", human_size(usage.unreferenced));
            fmt::print("{:<14}{} blobs no cache record references (base images' manifests and configs, "
                       "exported images, layers of removed records)\n",
                       "Description:", usage.unreferenced_count);
            fmt::print("{:<14}{} ago\n", "Last used:", human_duration(now - usage.unreferenced_last_used));
            fmt::print("{:<14}{}\n\n", "Type:", k_type_regular);
        }
    } else {
        print_cache_table_header();
        for (const engine::cache::RecordUsage& entry : usage.records)
            if (shown(k_type_regular, entry.record.last_used))
                print_cache_row(cache_id(entry.record.key), entry.size, entry.shared, true, entry.record.last_used,
                                now);
        for (const engine::cache::CacheMountEntry& mount : usage.cache_mounts)
            if (shown(k_type_cache_mount, mount.last_used))
                print_cache_row(cache_id(mount), mount.size, false, !mount.in_use, mount.last_used, now);
        if (unreferenced_shown)
            print_cache_row(k_unreferenced_id, usage.unreferenced, false, true, usage.unreferenced_last_used, now);
    }
    print_usage_totals(usage);
    return 0;
}

} // namespace mab::cli
