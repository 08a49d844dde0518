// `mab du`: what the storage root's cache occupies, as `docker buildx du` shows a
// builder's: one line per record (its private size), one for the blobs no record
// references, then the Shared/Private/Reclaimable/Total lines.
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
    {"filter", 0, "FILTER", "Show only records matching: until=DURATION (unused for at least DURATION)", ""},
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

} // namespace

int run_du_command(const std::vector<std::string>& args, CommandContext& ctx) {
    const ParsedFlags flags = parse_flags(args, k_du_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab du [--verbose] [--filter until=DURATION]\n\n"
                   "Show the disk usage of the build cache under the storage root.\n\n"
                   "Options:\n{}",
                   format_flag_help(k_du_flags));
        return 0;
    }
    if (!flags.positional.empty())
        throw Error(ErrorKind::usage, fmt::format("mab du takes no arguments, got \"{}\"", flags.positional.front()));
    const std::optional<int64_t> until = until_filter(flags.all("filter"), "du");
    const CacheListing listing = list_cache(ctx.global.root);
    const engine::cache::CacheUsage usage = engine::cache::measure_usage(listing.records, listing.blobs);
    const int64_t now = now_seconds();
    auto shown = [&](int64_t last_used) { return !until || now - last_used >= *until; };

    if (flags.flag("verbose")) {
        for (const engine::cache::RecordUsage& entry : usage.records)
            if (shown(entry.record.last_used)) print_verbose(entry, now);
        if (usage.unreferenced_count > 0 && shown(usage.unreferenced_last_used)) {
            fmt::print("{:<14}{}\n", "ID:", k_unreferenced_id);
            fmt::print("{:<14}{}\n", "Reclaimable:", "true");
            fmt::print("{:<14}{}\n", "Size:", human_size(usage.unreferenced));
            fmt::print("{:<14}{} blobs no cache record references (base images' manifests and configs, "
                       "exported images, layers of removed records)\n",
                       "Description:", usage.unreferenced_count);
            fmt::print("{:<14}{} ago\n\n", "Last used:", human_duration(now - usage.unreferenced_last_used));
        }
    } else {
        print_cache_table_header();
        for (const engine::cache::RecordUsage& entry : usage.records)
            if (shown(entry.record.last_used))
                print_cache_row(cache_id(entry.record.key), entry.size, entry.shared, entry.record.last_used, now);
        if (usage.unreferenced_count > 0 && shown(usage.unreferenced_last_used))
            print_cache_row(k_unreferenced_id, usage.unreferenced, false, usage.unreferenced_last_used, now);
    }
    print_usage_totals(usage);
    return 0;
}

} // namespace mab::cli
