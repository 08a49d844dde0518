// Cache mounts as du/prune/GC see them: real directories and real flock(2) in one
// process (flock locks belong to open files, so two opens conflict as two processes do).
#include "engine/ops/cache_mount_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <future>
#include <string>
#include <thread>

#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"
#include "engine/ops/cache_mount.hpp"
#include "engine/ops/test_support.hpp"

namespace fs = std::filesystem;
namespace t = mab::engine::ops::test;
using mab::engine::cache::CacheMountEntry;
using mab::engine::graph::CacheSharing;
using mab::engine::ops::CacheLease;
using mab::engine::ops::CacheMountSpec;
using mab::engine::ops::cache_mount_dir;
using mab::engine::ops::list_cache_mounts;
using mab::engine::ops::remove_cache_mount;

namespace {

CacheMountSpec spec_of(const std::string& id, CacheSharing sharing = CacheSharing::shared) {
    CacheMountSpec spec{id, sharing};
    spec.description = "cached mount /" + id + " from exec /bin/sh -c make";
    return spec;
}

std::string name_of(const fs::path& root, const std::string& id) {
    return cache_mount_dir(root, CacheMountSpec{id}).filename().string();
}

} // namespace

TEST_CASE("listing: id, description, size on disk, in use while a lease holds it") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-store-");
    const fs::path root = tmp.path() / "cache-mounts";
    const int64_t before = static_cast<int64_t>(std::time(nullptr));
    {
        CacheLease lease(root, spec_of("apt"), {}, {});
        t::write_file(lease.path() / "big", std::string(300'000, 'x'));
        const std::vector<CacheMountEntry> held = list_cache_mounts(root);
        REQUIRE(held.size() == 1);
        CHECK(held[0].name == name_of(root, "apt"));
        CHECK(held[0].id == "apt");
        CHECK(held[0].description == "cached mount /apt from exec /bin/sh -c make");
        CHECK(held[0].in_use);
        CHECK(held[0].size >= 300'000);
        CHECK(held[0].size < 400'000);
        CHECK(held[0].created >= before);
    }
    const std::vector<CacheMountEntry> free = list_cache_mounts(root);
    REQUIRE(free.size() == 1);
    CHECK_FALSE(free[0].in_use);
    CHECK(free[0].last_used >= before);
    CHECK(list_cache_mounts(tmp.path() / "none").empty());
}

TEST_CASE("removal skips a cache mount any lease holds, private copies included") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-store-");
    const fs::path root = tmp.path();
    const std::string name = name_of(root, "p");
    auto holder = std::make_unique<CacheLease>(root, spec_of("p", CacheSharing::locked), nullptr, nullptr);
    t::write_file(holder->path() / "kept", "x");
    CHECK_FALSE(remove_cache_mount(root, name));
    // data/ is busy, so this lease works in a private copy; it holds the cache mount too.
    CacheLease copy(root, spec_of("p", CacheSharing::private_), {}, {});
    CHECK(copy.path().filename() != "data");
    holder.reset();
    CHECK_FALSE(remove_cache_mount(root, name));
    CHECK(fs::exists(root / name / "data" / "kept"));
    CHECK(fs::exists(copy.path()));
}

TEST_CASE("removal deletes an idle cache mount; the next lease starts empty") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-store-");
    const fs::path root = tmp.path();
    {
        CacheLease lease(root, spec_of("x"), {}, {});
        t::write_file(lease.path() / "old", "x");
    }
    const std::string name = name_of(root, "x");
    CHECK(remove_cache_mount(root, name));
    CHECK_FALSE(fs::exists(root / name));
    CHECK(list_cache_mounts(root).empty());
    CHECK_FALSE(remove_cache_mount(root, name));  // gone: nothing to do
    CacheLease again(root, spec_of("x"), {}, {});
    CHECK(fs::is_empty(again.path()));
}

TEST_CASE("a lease waiting while a removal holds the cache mount uses a new directory") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-store-");
    const fs::path root = tmp.path();
    {
        CacheLease lease(root, spec_of("r"), {}, {});
        t::write_file(lease.path() / "old", "x");
    }
    const fs::path dir = cache_mount_dir(root, CacheMountSpec{"r"});
    // What a removal does, step by step, with a lease starting in the middle.
    mab::UniqueFd removal(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(removal);
    REQUIRE(::flock(removal.get(), LOCK_EX | LOCK_NB) == 0);
    std::future<bool> lease_saw_old = std::async(std::launch::async, [&] {
        CacheLease lease(root, spec_of("r"), {}, {});
        return fs::exists(lease.path() / "old");
    });
    CHECK(lease_saw_old.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
    const fs::path away = root / ".removing-test";
    REQUIRE(::rename(dir.c_str(), away.c_str()) == 0);
    mab::remove_tree_forcefully(away);
    removal.reset();
    CHECK_FALSE(lease_saw_old.get());
    CHECK(fs::exists(dir / "data"));
}

TEST_CASE("what a killed removal left is deleted; one under way is not") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-store-");
    const fs::path root = tmp.path();
    fs::create_directories(root / ".removing-dead" / "data");
    fs::create_directories(root / ".removing-live" / "data");
    mab::UniqueFd live(::open((root / ".removing-live").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(::flock(live.get(), LOCK_EX | LOCK_NB) == 0);
    mab::engine::ops::remove_abandoned_cache_mounts(root);
    CHECK_FALSE(fs::exists(root / ".removing-dead"));
    CHECK(fs::exists(root / ".removing-live"));
}
