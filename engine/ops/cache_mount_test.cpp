// Cache mounts: real directories, real flock(2) between real processes.
#include "engine/ops/cache_mount.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "engine/ops/test_support.hpp"

namespace fs = std::filesystem;
namespace t = mab::engine::ops::test;
using mab::engine::graph::CacheSharing;
using mab::engine::ops::CacheLease;
using mab::engine::ops::CacheMountSpec;

namespace {

// In a forked child: take the lease, append "start N", sleep, append "end N".
pid_t use_cache_in_child(const fs::path& root, CacheSharing sharing, int n) {
    pid_t pid = ::fork();
    if (pid != 0) return pid;
    int status = 0;
    try {
        CacheMountSpec spec{"shared-id", sharing};
        CacheLease lease(root, spec, {}, {});
        std::ofstream(lease.path() / "marks", std::ios::app) << "start " << n << "\n" << std::flush;
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        std::ofstream(lease.path() / "marks", std::ios::app) << "end " << n << "\n" << std::flush;
    } catch (...) {
        status = 1;
    }
    ::_exit(status);
}

std::string run_two(const fs::path& root, CacheSharing sharing) {
    pid_t a = use_cache_in_child(root, sharing, 1);
    // The second starts once the first is inside (and sleeping there).
    const fs::path marks = mab::engine::ops::cache_mount_dir(root, CacheMountSpec{"shared-id"}) / "data" / "marks";
    for (int i = 0; i < 500 && !(fs::exists(marks) && t::read_file(marks) == "start 1\n"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    pid_t b = use_cache_in_child(root, sharing, 2);
    int sa = 0, sb = 0;
    ::waitpid(a, &sa, 0);
    ::waitpid(b, &sb, 0);
    REQUIRE(WIFEXITED(sa));
    REQUIRE(WEXITSTATUS(sa) == 0);
    REQUIRE(WIFEXITED(sb));
    REQUIRE(WEXITSTATUS(sb) == 0);
    CacheLease reader(root, CacheMountSpec{"shared-id"}, {}, {});
    return t::read_file(reader.path() / "marks");
}

} // namespace

TEST_CASE("sharing=locked serialises two processes; sharing=shared lets them overlap") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-mount-");
    CHECK(run_two(tmp.path() / "locked", CacheSharing::locked) == "start 1\nend 1\nstart 2\nend 2\n");
    CHECK(run_two(tmp.path() / "shared", CacheSharing::shared) == "start 1\nstart 2\nend 1\nend 2\n");
}

TEST_CASE("sharing=private gets a fresh directory while the cache is in use, removed afterwards") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-mount-");
    CacheLease first(tmp.path(), CacheMountSpec{"p", CacheSharing::shared}, {}, {});
    t::write_file(first.path() / "kept", "x");
    fs::path fresh;
    {
        CacheLease second(tmp.path(), CacheMountSpec{"p", CacheSharing::private_}, {}, {});
        fresh = second.path();
        CHECK(fresh != first.path());
        CHECK(fs::is_empty(fresh));
    }
    CHECK_FALSE(fs::exists(fresh));
    CHECK(fs::exists(first.path() / "kept"));
}

TEST_CASE("a new cache directory gets the mode and owner, and its seed; an existing one keeps its contents") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-mount-");
    CacheMountSpec spec{"owned", CacheSharing::shared, 0710, 0, 0};
    if (t::is_root()) spec.uid = 1000, spec.gid = 1001;
    int seeded = 0;
    auto seed = [&seeded](const fs::path& dir) {
        ++seeded;
        t::write_file(dir / "seed", "from the source");
    };
    fs::path made;
    {
        CacheLease lease(tmp.path(), spec, seed, {});
        made = lease.path();
        struct stat st = t::lstat_of(made);
        CHECK((st.st_mode & 07777) == 0710);
        CHECK(st.st_uid == spec.uid);
        CHECK(st.st_gid == spec.gid);
        CHECK(t::read_file(made / "seed") == "from the source");
        t::write_file(made / "later", "y");
    }
    CacheLease again(tmp.path(), spec, seed, {});
    CHECK(again.path() == made);
    CHECK(seeded == 1);
    CHECK(t::read_file(made / "later") == "y");
    CHECK(made.parent_path() == mab::engine::ops::cache_mount_dir(tmp.path(), spec));
    // Another id is another directory.
    CacheLease other(tmp.path(), CacheMountSpec{"other"}, {}, {});
    CHECK(other.path() != made);
}

TEST_CASE("waiting for a locked cache stops when the build is cancelled") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-cache-mount-");
    CacheLease holder(tmp.path(), CacheMountSpec{"l", CacheSharing::locked}, {}, {});
    int polls = 0;
    auto cancelled = [&polls] { return ++polls > 3; };
    try {
        CacheLease waiter(tmp.path(), CacheMountSpec{"l", CacheSharing::locked}, {}, cancelled);
        FAIL("the lock was granted twice");
    } catch (const mab::Error& e) {
        CHECK(e.kind() == mab::ErrorKind::cancelled);
    }
}
