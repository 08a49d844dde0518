// `mab prune`: removes build cache from the storage root, as `docker buildx prune` does
// for a builder: records and RUN cache mounts least recently used first (within --filter
// until= and type=, and down to --keep-storage), then every blob no remaining record
// references; --all also drops the stat caches. For records, blobs and stat caches it
// waits for running builds (they hold the cache lock shared) and removes none while one
// runs; cache mounts have locks of their own, so those no RUN holds go at once and one
// in use is kept (`--filter type=exec.cachemount` does not wait at all).
#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "base/error.hpp"
#include "cli/cache_gc.hpp"
#include "cli/cache_table.hpp"
#include "cli/cache_units.hpp"
#include "cli/command.hpp"
#include "cli/flags.hpp"
#include "cli/storage_root.hpp"
#include "engine/ops/cache_mount_store.hpp"

namespace mab::cli {

namespace {

const std::vector<FlagSpec> k_prune_flags{
    {"all", 'a', "", "Also remove the stat caches of local sources (type source.local)", ""},
    {"filter", 0, "FILTER",
     "Remove only entries matching: until=DURATION (unused for at least DURATION), type=TYPE or type!=TYPE "
     "(regular, exec.cachemount, ...)",
     ""},
    {"keep-storage", 0, "SIZE", "Keep this much cache (e.g. 2GB), removing the least recently used first", ""},
    {"force", 'f', "", "Do not prompt for confirmation", ""},
    {"help", 'h', "", "Show this help", ""},
};

// buildx's question; only "y"/"Y" (or "yes") goes on.
bool confirmed(bool all) {
    if (::isatty(STDIN_FILENO) != 1)
        throw Error(ErrorKind::usage, "mab prune: cannot ask for confirmation: standard input is not a terminal")
            .with_hint("pass --force to prune without asking");
    fmt::print("WARNING! This will remove all {}build cache. Are you sure you want to continue? [y/N] ",
               all ? "" : "dangling ");
    std::fflush(stdout);
    std::string answer;
    if (!std::getline(std::cin, answer)) return false;
    return answer == "y" || answer == "Y" || answer == "yes";
}

// Each removed blob counts for the first removed record naming it; the rest were no
// record's.
void print_removed(const engine::cache::PrunePlan& plan, const engine::cache::PruneResult& result, int64_t now) {
    std::map<oci::Digest, int64_t> sizes;
    for (const auto& blob : plan.blobs) sizes[blob.digest] = blob.size;
    std::set<oci::Digest> counted;
    print_cache_table_header();
    for (const engine::cache::CacheRecord& record : plan.records) {
        int64_t size = 0;
        for (const engine::cache::CachedLayer& layer : record.layers) {
            const auto it = sizes.find(layer.layer.blob.digest);
            if (it != sizes.end() && counted.insert(it->first).second) size += it->second;
        }
        print_cache_row(cache_id(record.key), size, false, true, record.last_used, now);
    }
    for (const engine::cache::CacheMountEntry& mount : result.cache_mounts)
        print_cache_row(cache_id(mount), mount.size, false, true, mount.last_used, now);
    int64_t rest = 0, newest = 0;
    for (const auto& blob : plan.blobs)
        if (!counted.count(blob.digest)) rest += blob.size, newest = std::max(newest, blob.mtime);
    if (rest > 0) print_cache_row(k_unreferenced_id, rest, false, true, newest, now);
}

} // namespace

int run_prune_command(const std::vector<std::string>& args, CommandContext& ctx) {
    const ParsedFlags flags = parse_flags(args, k_prune_flags);
    if (flags.flag("help")) {
        fmt::print("Usage: mab prune [--all] [--filter until=DURATION] [--filter type=TYPE] [--keep-storage SIZE] "
                   "[--force]\n\n"
                   "Remove build cache from the storage root: cache records, blobs and RUN cache mounts.\n"
                   "Waits for running builds to finish; cache mounts a running RUN holds are kept, and\n"
                   "--filter type=exec.cachemount removes the others without waiting.\n\n"
                   "Options:\n{}",
                   format_flag_help(k_prune_flags));
        return 0;
    }
    if (!flags.positional.empty())
        throw Error(ErrorKind::usage, fmt::format("mab prune takes no arguments, got \"{}\"", flags.positional.front()));
    const CacheFilters filters = parse_cache_filters(flags.all("filter"), "prune");
    engine::cache::PruneRule rule;
    rule.unused_for = filters.until;
    rule.types = filters.types;
    if (const auto keep = flags.last("keep-storage")) {
        rule.keep_bytes = parse_size(*keep);
        if (!rule.keep_bytes)
            throw Error(ErrorKind::usage, fmt::format("mab prune: --keep-storage: \"{}\" is not a size", *keep))
                .with_hint("write sizes as 512MB, 10GB or a number of bytes");
    }
    const bool all = flags.flag("all");
    if (!flags.flag("force") && !confirmed(all)) return 0;

    const bool records_selected = filters.types.matches(engine::cache::k_type_regular);
    const bool stat_selected = all && filters.types.matches(engine::cache::k_type_local_source);
    // Before any lock or listing: removing a rootless build's cache mount files needs it.
    enter_namespace_for_cache_mounts("prune");
    const StorageRoot storage(ctx.global.root);
    // Records, blobs and stat caches go only while no build runs. Cache mounts need no
    // root lock (each removal takes the cache mount's own), so pruning only them does
    // not wait.
    UniqueFd lock;
    if (records_selected || stat_selected) {
        lock = storage.lock_cache(CacheLockMode::exclusive, false);
        if (!lock) {
            fmt::print(stderr, "waiting for the builds running on {} to finish...\n", ctx.global.root.string());
            lock = storage.lock_cache(CacheLockMode::exclusive, true);
        }
    }
    engine::ops::remove_abandoned_cache_mounts(storage.cache_mounts_dir());
    oci::ContentStore content(storage.content_dir());
    const engine::cache::RecordStore records(storage.cache_dir() / "records", content);
    const int64_t now = now_seconds();
    // Everything is listed, whatever the filter: keep-storage counts the whole cache.
    engine::cache::PrunePlanner planner(records.list(), content.list(),
                                        engine::ops::list_cache_mounts(storage.cache_mounts_dir()), now);
    // Blobs no record needs go first: they are the cheapest to lose and keep-storage
    // should count only what is worth keeping.
    if (records_selected) planner.remove_unreferenced_blobs();
    planner.apply(rule);
    const engine::cache::PrunePlan plan = planner.plan();
    const std::optional<std::filesystem::path> stat_dir =
        stat_selected ? std::optional(storage.cache_dir() / "stat") : std::nullopt;
    const engine::cache::PruneResult result =
        engine::cache::execute_plan(plan, records, content, cache_mount_remover(ctx.global.root), stat_dir);
    if (!plan.records.empty() || !plan.blobs.empty() || !result.cache_mounts.empty())
        print_removed(plan, result, now);
    fmt::print("{:<15}{}\n", "Total:", human_size(result.bytes));
    return 0;
}

} // namespace mab::cli
