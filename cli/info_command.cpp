// `mab info`: what a build on this machine would use, in `docker buildx inspect`'s
// "Name: value" style: version, storage root, snapshotter, parallelism, platforms and how
// each runs (`mab binfmt`'s probe), the garbage collection policy and the cache's usage.
#include <fmt/format.h>

#include <sched.h>

#include <string>
#include <vector>

#include "base/error.hpp"
#include "cli/cache_gc.hpp"
#include "cli/cache_table.hpp"
#include "cli/cache_units.hpp"
#include "cli/command.hpp"
#include "cli/flags.hpp"
#include "cli/storage_root.hpp"
#include "cli/version.hpp"
#include "emu/binfmt.hpp"
#include "executor/user_namespace.hpp"
#include "oci/platform.hpp"
#include "snapshotter/snapshotter.hpp"

namespace mab::cli {

namespace {

const std::vector<FlagSpec> k_info_flags{
    {"help", 'h', "", "Show this help", ""},
};

void line(const std::string& name, const std::string& value, const std::string& indent = "") {
    fmt::print("{}{:<{}}{}\n", indent, name + ":", 18 - indent.size(), value);
}

long usable_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
    return 1;
}

// The snapshotter a build would open: the same probe, in the same namespace as a build
// (a rootless user's overlay mounts work only inside it). Must run single-threaded.
std::string probe_snapshotter(const CommandContext& ctx) {
    snapshotter::SnapshotterChoice choice = snapshotter::SnapshotterChoice::automatic;
    std::string how = "auto";
    if (ctx.config.snapshotter) {
        choice = snapshotter::parse_snapshotter_choice(ctx.config.snapshotter->value, ctx.config.snapshotter->origin);
        how = "snapshotter: " + ctx.config.snapshotter->value + " in " + ctx.config.snapshotter->origin;
    }
    try {
        executor::enter_build_namespace();
        const StorageRoot storage(ctx.global.root);
        const BuildDir work = storage.make_build_dir();
        const snapshotter::OpenedSnapshotter opened = snapshotter::open_snapshotter(choice, work.path() / "snapshots");
        std::string out = fmt::format("{} ({})", opened.snapshotter->name(), how);
        if (!opened.fallback_reason.empty()) out += "; overlay does not work here: " + opened.fallback_reason;
        return out;
    } catch (const Error& e) {
        return fmt::format("unavailable ({}): {}", how, e.what());
    }
}

} // namespace

int run_info_command(const std::vector<std::string>& args, CommandContext& ctx) {
    const ParsedFlags flags = parse_flags(args, k_info_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab info\n\nShow what builds on this machine use: storage, snapshotter, platforms, "
                   "garbage collection, cache usage.\n\nOptions:\n{}",
                   format_flag_help(k_info_flags));
        return 0;
    }
    if (!flags.positional.empty())
        throw Error(ErrorKind::usage, fmt::format("mab info takes no arguments, got \"{}\"", flags.positional.front()));

    // Outside mab's namespace, as `mab binfmt` probes, and before entering it.
    const std::vector<emu::PlatformSupport> platforms = emu::probe_platforms();
    const GcSettings gc = gc_settings_for(ctx.config.gc, ctx.global.root);
    // Enters mab's user and mount namespace, as a build does; the cache is listed in it
    // (a rootless user's cache mounts hold files only the namespace can read).
    const std::string snapshotter = probe_snapshotter(ctx);
    const CacheListing listing = list_cache(ctx.global.root);
    const engine::cache::CacheUsage usage =
        engine::cache::measure_usage(listing.records, listing.blobs, listing.cache_mounts);
    std::error_code ec;
    const bool config_found = !ctx.config.path.empty() && std::filesystem::exists(ctx.config.path, ec);

    line("Name", "mab");
    line("Version", k_version);
    line("Storage root", ctx.global.root.string());
    line("Config file", ctx.config.path.empty() ? "none" : ctx.config.path.string() + (config_found ? "" : " (not found)"));
    line("Host platform", oci::Platform::host().str());
    line("Parallelism", fmt::format("default ({} cores)", usable_cores()));
    std::string supported;
    for (const emu::PlatformSupport& p : platforms)
        if (p.how != emu::Support::missing) supported += (supported.empty() ? "" : ", ") + p.platform.str();
    line("Platforms", supported.empty() ? "none" : supported);
    for (const emu::PlatformSupport& p : platforms) {
        std::string detail = emu::support_name(p.how);
        if (!p.interpreter.empty()) detail += " (" + p.interpreter.string() + ")";
        else if (!p.reason.empty()) detail += " (" + p.reason + ")";
        line(p.platform.str(), detail, "  ");
    }
    fmt::print("GC Policy:\n");
    line("Enabled", gc.enabled ? "true" : "false", "  ");
    line("Keep Duration", go_duration(gc.policy.keep_duration), "  ");
    line("Keep Bytes", fmt::format("{} ({})", human_size(gc.policy.keep_bytes), gc.keep_storage_origin), "  ");
    line("Cache Mounts",
         fmt::format("unused for {} go first while the cache is above {}", go_duration(gc.policy.cache_mount_keep_duration),
                     human_size(gc.policy.cache_mount_keep_bytes)),
         "  ");
    fmt::print("Cache:\n");
    line("Records", std::to_string(usage.records.size()), "  ");
    line("Blobs", std::to_string(listing.blobs.size()), "  ");
    line("Cache mounts", std::to_string(listing.cache_mounts.size()), "  ");
    print_usage_totals(usage, "  ", 18);
    line("Snapshotter", snapshotter);
    return 0;
}

} // namespace mab::cli
