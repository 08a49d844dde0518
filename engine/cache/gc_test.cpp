// Garbage collection planning over a real content store and record store in a temp dir.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "base/atomic_file.hpp"
#include "base/temp_dir.hpp"
#include "engine/cache/gc_plan.hpp"
#include "engine/cache/gc_usage.hpp"

using namespace mab;
using namespace mab::engine::cache;
namespace fs = std::filesystem;

namespace {

constexpr int64_t k_now = 1'800'000'000;
constexpr int64_t k_hour = 3600;

void set_mtime(const fs::path& path, int64_t seconds) {
    const struct timespec times[2] = {{seconds, 0}, {seconds, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

// A root with records A, B, C and blobs: A and B share `base` (1000 bytes); A has `a`
// (100), B has `b` (200), C has `c` (400); `loose` (50) belongs to no record.
// Last used: C 48 hours ago, A 10 hours ago, B 1 hour ago; `loose` written 30 hours ago.
struct Fixture {
    TempDir dir{fs::temp_directory_path(), "mab-gc-"};
    oci::ContentStore content{dir.path() / "content"};
    RecordStore records{dir.path() / "records", content};
    oci::Descriptor base = content.put(std::string(1000, 'B'), "layer");
    oci::Descriptor a = content.put(std::string(100, 'a'), "layer");
    oci::Descriptor b = content.put(std::string(200, 'b'), "layer");
    oci::Descriptor c = content.put(std::string(400, 'c'), "layer");
    oci::Descriptor loose = content.put(std::string(50, 'l'), "config");
    CacheRecord ra = record("A", {base, a}, 10 * k_hour);
    CacheRecord rb = record("B", {base, b}, 1 * k_hour);
    CacheRecord rc = record("C", {c}, 48 * k_hour);

    Fixture() { set_mtime(content.path_of(loose.digest), k_now - 30 * k_hour); }

    CacheRecord record(const std::string& name, const std::vector<oci::Descriptor>& blobs, int64_t age) {
        CacheRecord r;
        r.key = oci::sha256_of(name);
        r.description = "RUN " + name;
        r.created = k_now - 100 * k_hour;
        for (const oci::Descriptor& blob : blobs) {
            CachedLayer layer;
            layer.layer.blob = blob;
            layer.layer.diff_id = oci::sha256_of("diff " + blob.digest.str());
            layer.vertex = oci::sha256_of("vertex " + name);
            r.layers.push_back(layer);
        }
        records.put(r);
        set_mtime(records.dir() / (std::string(r.key.hex()) + ".json"), k_now - age);
        return r;
    }

    PrunePlanner planner(std::vector<CacheMountEntry> mounts = {}) {
        return PrunePlanner(records.list(), content.list(), std::move(mounts), k_now);
    }
};

std::vector<std::string> descriptions(const std::vector<CacheRecord>& records) {
    std::vector<std::string> out;
    for (const CacheRecord& r : records) out.push_back(r.description);
    return out;
}

const RemoveCacheMount no_cache_mounts = [](const CacheMountEntry&) -> bool {
    FAIL("no cache mount is in the plan");
    return false;
};

// A cache mount entry: `size` bytes, last used `age` seconds ago.
CacheMountEntry mount(const std::string& name, int64_t size, int64_t age, bool in_use = false) {
    return CacheMountEntry{name, name, "cached mount /" + name, k_now - 200 * k_hour, k_now - age, size, in_use};
}

std::vector<std::string> names(const std::vector<CacheMountEntry>& mounts) {
    std::vector<std::string> out;
    for (const CacheMountEntry& m : mounts) out.push_back(m.name);
    return out;
}

bool plan_removes(const PrunePlan& plan, const oci::Descriptor& blob) {
    return std::any_of(plan.blobs.begin(), plan.blobs.end(), [&](const auto& b) { return b.digest == blob.digest; });
}

} // namespace

TEST_CASE("usage: private sizes per record, shared blobs, unreferenced blobs") {
    Fixture f;
    const CacheUsage usage = measure_usage(f.records.list(), f.content.list(), {});
    CHECK(usage.total == 1750);
    CHECK(usage.shared == 1000);
    CHECK(usage.private_bytes == 750);
    CHECK(usage.unreferenced == 50);
    CHECK(usage.unreferenced_count == 1);
    CHECK(usage.unreferenced_last_used == k_now - 30 * k_hour);
    REQUIRE(usage.records.size() == 3);
    // Largest private size first.
    CHECK(usage.records[0].record.description == "RUN C");
    CHECK(usage.records[0].size == 400);
    CHECK_FALSE(usage.records[0].shared);
    CHECK(usage.records[1].record.description == "RUN B");
    CHECK(usage.records[1].size == 200);
    CHECK(usage.records[1].shared);
    CHECK(usage.records[2].size == 100);
    CHECK(usage.records[2].record.last_used == k_now - 10 * k_hour);
}

TEST_CASE("prune without rules removes every record and every blob") {
    Fixture f;
    PrunePlanner planner = f.planner();
    planner.apply({});
    planner.remove_unreferenced_blobs();
    const PrunePlan plan = planner.plan();
    CHECK(descriptions(plan.records) == std::vector<std::string>{"RUN C", "RUN A", "RUN B"});  // LRU order
    CHECK(plan.blobs.size() == 5);
    CHECK(plan.bytes == 1750);
    CHECK(planner.kept_bytes() == 0);
}

TEST_CASE("keep-storage removes least recently used records until the cache fits") {
    Fixture f;
    SECTION("C alone frees enough") {
        PrunePlanner planner = f.planner();
        planner.remove_unreferenced_blobs();  // what `mab prune` does: 1700 left
        planner.apply(PruneRule{std::nullopt, 1300});
        const PrunePlan plan = planner.plan();
        CHECK(descriptions(plan.records) == std::vector<std::string>{"RUN C"});
        CHECK(plan_removes(plan, f.c));
        CHECK(plan_removes(plan, f.loose));
        CHECK(planner.kept_bytes() == 1300);
    }
    SECTION("the shared blob stays while B still references it") {
        PrunePlanner planner = f.planner();
        planner.remove_unreferenced_blobs();
        planner.apply(PruneRule{std::nullopt, 1250});
        const PrunePlan plan = planner.plan();
        CHECK(descriptions(plan.records) == std::vector<std::string>{"RUN C", "RUN A"});
        CHECK(plan_removes(plan, f.a));
        CHECK_FALSE(plan_removes(plan, f.base));
        CHECK_FALSE(plan_removes(plan, f.b));
        CHECK(planner.kept_bytes() == 1200);
    }
    SECTION("already small enough: nothing but unreferenced blobs") {
        PrunePlanner planner = f.planner();
        planner.remove_unreferenced_blobs();
        planner.apply(PruneRule{std::nullopt, 10'000});
        CHECK(planner.plan().records.empty());
        CHECK(planner.plan().blobs.size() == 1);
    }
}

TEST_CASE("until= removes only entries unused for that long") {
    Fixture f;
    PrunePlanner planner = f.planner();
    planner.apply(PruneRule{24 * k_hour, std::nullopt});
    PrunePlan plan = planner.plan();
    CHECK(descriptions(plan.records) == std::vector<std::string>{"RUN C"});
    CHECK(plan_removes(plan, f.loose));  // written 30 hours ago, no record needs it
    CHECK(plan.bytes == 450);

    PrunePlanner recent = f.planner();
    recent.apply(PruneRule{5 * k_hour, std::nullopt});
    CHECK(descriptions(recent.plan().records) == std::vector<std::string>{"RUN C", "RUN A"});
    CHECK_FALSE(plan_removes(recent.plan(), f.base));

    SECTION("with keep-storage: old entries only while the cache is too big") {
        PrunePlanner both = f.planner();
        both.apply(PruneRule{5 * k_hour, 1500});  // C (and the loose blob) suffice
        CHECK(descriptions(both.plan().records) == std::vector<std::string>{"RUN C"});
    }
}

TEST_CASE("executing a plan removes records first, then only unreferenced blobs") {
    Fixture f;
    PrunePlanner planner = f.planner();
    planner.remove_unreferenced_blobs();
    planner.apply(PruneRule{std::nullopt, 1250});
    fs::create_directories(f.dir.path() / "stat");
    write_file_atomically(f.dir.path() / "stat" / "abc", "12345");
    const PruneResult result = execute_plan(planner.plan(), f.records, f.content, no_cache_mounts, f.dir.path() / "stat");
    CHECK(result.records.size() == 2);
    CHECK(result.blobs == 3);
    CHECK(result.bytes == 550 + 5);
    CHECK(fs::is_empty(f.dir.path() / "stat"));
    CHECK_FALSE(f.records.find(f.ra.key));
    CHECK_FALSE(f.records.find(f.rc.key));
    CHECK(f.records.find(f.rb.key));  // B's blobs, the shared one included, are all there
    CHECK(f.content.has(f.base.digest));
    CHECK_FALSE(f.content.has(f.a.digest));
    CHECK_FALSE(f.content.has(f.loose.digest));
}

TEST_CASE("automatic GC: old entries go, then LRU above keep-storage; recent loose blobs stay") {
    Fixture f;
    SECTION("under the size limit only the age rule removes") {
        const PrunePlan plan = plan_gc(f.records.list(), f.content.list(), {}, GcPolicy{1'000'000, 40 * k_hour}, k_now);
        CHECK(descriptions(plan.records) == std::vector<std::string>{"RUN C"});
        CHECK_FALSE(plan_removes(plan, f.loose));  // 30 hours old, under the age limit
    }
    SECTION("above the limit the least recently used go, loose blobs included") {
        const PrunePlan plan = plan_gc(f.records.list(), f.content.list(), {}, GcPolicy{1300, 1000 * k_hour}, k_now);
        CHECK(descriptions(plan.records) == std::vector<std::string>{"RUN C"});
        CHECK(plan_removes(plan, f.loose));
        CHECK(plan.bytes == 450);
    }
    SECTION("nothing to do") {
        const PrunePlan plan = plan_gc(f.records.list(), f.content.list(), {}, GcPolicy{1'000'000, 1000 * k_hour}, k_now);
        CHECK(plan.records.empty());
        CHECK(plan.blobs.empty());
    }
}

TEST_CASE("usage: cache mounts count toward the total; one in use is not reclaimable") {
    Fixture f;
    const CacheUsage usage =
        measure_usage(f.records.list(), f.content.list(), {mount("small", 10, k_hour), mount("big", 300, k_hour, true)});
    CHECK(usage.total == 1750 + 310);
    CHECK(usage.private_bytes == 750 + 310);
    CHECK(usage.reclaimable == 1750 + 10);
    CHECK(names(usage.cache_mounts) == std::vector<std::string>{"big", "small"});  // largest first
}

TEST_CASE("type filters select records and blobs (regular) or cache mounts (exec.cachemount)") {
    Fixture f;
    const std::vector<CacheMountEntry> mounts{mount("m1", 100, 2 * k_hour), mount("m2", 100, 50 * k_hour),
                                              mount("busy", 100, 90 * k_hour, true)};
    SECTION("type=exec.cachemount: only cache mounts, never one in use") {
        PrunePlanner planner = f.planner(mounts);
        TypeFilter only_mounts;
        only_mounts.only = {"exec.cachemount"};
        planner.apply(PruneRule{std::nullopt, std::nullopt, only_mounts});
        const PrunePlan plan = planner.plan();
        CHECK(plan.records.empty());
        CHECK(plan.blobs.empty());
        CHECK(names(plan.cache_mounts) == std::vector<std::string>{"m2", "m1"});  // LRU order
        CHECK(plan.bytes == 200);
    }
    SECTION("type=regular leaves cache mounts") {
        PrunePlanner planner = f.planner(mounts);
        TypeFilter regular;
        regular.only = {"regular"};
        planner.apply(PruneRule{std::nullopt, std::nullopt, regular});
        CHECK(planner.plan().cache_mounts.empty());
        CHECK(planner.plan().records.size() == 3);
    }
    SECTION("type!=regular is the same as type=exec.cachemount here") {
        PrunePlanner planner = f.planner(mounts);
        TypeFilter not_regular;
        not_regular.except = {"regular"};
        planner.apply(PruneRule{std::nullopt, std::nullopt, not_regular});
        CHECK(planner.plan().records.empty());
        CHECK(names(planner.plan().cache_mounts) == std::vector<std::string>{"m2", "m1"});
    }
    SECTION("until= and keep-storage count cache mounts with everything else") {
        PrunePlanner planner = f.planner(mounts);
        // 1750 + 300: removing C (400, plus loose 50 unused 30h) and m2 (100, unused 50h) in LRU order:
        // m2 (50h) first, then C (48h), then stop: 2050 - 100 - 400 = 1550 <= 1600.
        planner.apply(PruneRule{24 * k_hour, 1600});
        const PrunePlan plan = planner.plan();
        CHECK(names(plan.cache_mounts) == std::vector<std::string>{"m2"});
        CHECK(descriptions(plan.records) == std::vector<std::string>{"RUN C"});
        CHECK_FALSE(plan_removes(plan, f.loose));
        CHECK(planner.kept_bytes() == 1550);
    }
    SECTION("source.local (the stat caches) selects no entry") {
        PrunePlanner planner = f.planner(mounts);
        TypeFilter local;
        local.only = {"source.local"};
        planner.apply(PruneRule{std::nullopt, std::nullopt, local});
        CHECK(planner.plan().records.empty());
        CHECK(planner.plan().cache_mounts.empty());
        CHECK(planner.plan().blobs.empty());
    }
}

TEST_CASE("automatic GC: cache mounts unused for 48h go first while the cache is above their share") {
    Fixture f;
    const std::vector<CacheMountEntry> mounts{mount("old", 500, 60 * k_hour), mount("older", 500, 70 * k_hour),
                                              mount("fresh", 500, 1 * k_hour)};
    // 1750 blobs + 1500 cache mounts = 3250.
    GcPolicy policy{1'000'000, 1000 * k_hour, 3000, 48 * k_hour};
    SECTION("above the cache mounts' share: the least recently used old one goes, records stay") {
        const PrunePlan plan = plan_gc(f.records.list(), f.content.list(), mounts, policy, k_now);
        CHECK(names(plan.cache_mounts) == std::vector<std::string>{"older"});
        CHECK(plan.records.empty());
    }
    SECTION("below it: none") {
        policy.cache_mount_keep_bytes = 4000;
        CHECK(plan_gc(f.records.list(), f.content.list(), mounts, policy, k_now).cache_mounts.empty());
    }
    SECTION("keep-storage then takes cache mounts and records by last use alike") {
        policy.cache_mount_keep_bytes = 4000;
        policy.keep_bytes = 2000;
        const PrunePlan plan = plan_gc(f.records.list(), f.content.list(), mounts, policy, k_now);
        // older (70h), old (60h): 3250 - 1000 = 2250; then C (48h): 1850 <= 2000.
        CHECK(names(plan.cache_mounts) == std::vector<std::string>{"older", "old"});
        CHECK(descriptions(plan.records) == std::vector<std::string>{"RUN C"});
    }
    SECTION("a cache mount in use is never collected") {
        std::vector<CacheMountEntry> busy = mounts;
        for (CacheMountEntry& m : busy) m.in_use = true;
        policy.keep_bytes = 0;
        const PrunePlan plan = plan_gc(f.records.list(), f.content.list(), busy, policy, k_now);
        CHECK(plan.cache_mounts.empty());
        CHECK(plan.records.size() == 3);
    }
}

TEST_CASE("executing a plan removes its cache mounts through the callback, skipping busy ones") {
    Fixture f;
    PrunePlanner planner = f.planner({mount("gone", 100, k_hour), mount("taken", 200, 2 * k_hour)});
    TypeFilter only_mounts;
    only_mounts.only = {"exec.cachemount"};
    planner.apply(PruneRule{std::nullopt, std::nullopt, only_mounts});
    std::vector<std::string> asked;
    const PruneResult result = execute_plan(planner.plan(), f.records, f.content, [&](const CacheMountEntry& m) {
        asked.push_back(m.name);
        return m.name != "taken";  // a RUN took it since the listing
    });
    CHECK(asked == std::vector<std::string>{"taken", "gone"});
    CHECK(names(result.cache_mounts) == std::vector<std::string>{"gone"});
    CHECK(result.bytes == 100);
    CHECK(f.records.list().size() == 3);
}
