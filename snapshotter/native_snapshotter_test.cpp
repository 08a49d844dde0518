#include "snapshotter/native_snapshotter.hpp"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <numeric>
#include <vector>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "snapshotter/test_support.hpp"

using namespace mab;
using namespace mab::snapshotter;
using namespace mab::snapshotter::test;

namespace {

ino_t inode_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_ino;
}

struct stat stat_of(const fs::path& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st;
}

} // namespace

TEST_CASE("copy_tree preserves every entry type and its metadata", "[native]") {
    TempDir base("/tmp", "mab-copy-");
    fs::path from = base.path() / "from";
    make_dir(from, 0751);
    make_dir(from / "d");
    write_file(from / "d" / "f", "data", 0640);
    set_xattr(from / "d", "user.dir", "yes");
    // Not writable: the copy must fill it (and set its xattrs) before setting the mode.
    REQUIRE(::chmod((from / "d").c_str(), 0555) == 0);
    // Unreadable: only root (in rootless builds, root in the user namespace) can copy it.
    if (is_root()) write_file(from / "locked", "secret", 0);
    write_file(from / "suid", "s", 06755);
    make_dir(from / "sticky", 01777);
    make_symlink("../outside/of/tree", from / "sticky" / "rel");
    make_symlink("/etc/passwd", from / "abs");
    write_file(from / "h1", std::string(200000, 'h'));
    REQUIRE(::link((from / "h1").c_str(), (from / "sticky" / "h2").c_str()) == 0);
    REQUIRE(::mkfifo((from / "fifo").c_str(), 0600) == 0);
    write_file(from / "x", "x");
    set_xattr(from / "x", "user.one", "1");
    make_dir(from / "empty");
    if (is_root()) {
        REQUIRE(::mknod((from / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
        REQUIRE(::lchown((from / "d" / "f").c_str(), 1000, 2000) == 0);
        REQUIRE(::lchown((from / "abs").c_str(), 33, 44) == 0);
    }
    int64_t t = 1500000000;
    for (const char* p : {"d/f", "suid", "sticky/rel", "abs", "h1", "fifo", "x", "empty", "d",
                          "sticky"}) {
        set_mtime(from / p, t++, 123456789);
    }
    set_mtime(from, 1400000000, 42);

    fs::path to = base.path() / "to";
    copy_tree(from, to);
    CHECK(describe_tree(to) == describe_tree(from));
    struct stat a = stat_of(from);
    struct stat b = stat_of(to);
    CHECK(a.st_mode == b.st_mode);
    CHECK(b.st_mtim.tv_sec == 1400000000);
    CHECK(b.st_mtim.tv_nsec == 42);
    // A snapshot never shares inodes with its parent; hardlinks stay linked inside it.
    CHECK(inode_of(to / "h1") != inode_of(from / "h1"));
    CHECK(inode_of(to / "h1") == inode_of(to / "sticky" / "h2"));
    write_file(to / "h1", "changed");
    CHECK(test::read_file(from / "h1") == std::string(200000, 'h'));
}

TEST_CASE("copy_tree reports each copied file's bytes; tree_file_bytes counts the same up front", "[native]") {
    TempDir base("/tmp", "mab-copy-");
    fs::path from = base.path() / "from";
    make_dir(from);
    make_dir(from / "d");
    write_file(from / "d" / "f", std::string(70000, 'f'));
    write_file(from / "h1", std::string(3000, 'h'));
    // A second link is linked, not copied: its bytes count once.
    REQUIRE(::link((from / "h1").c_str(), (from / "d" / "h2").c_str()) == 0);
    make_symlink("/a/target/that/is/not/a/file", from / "link");
    write_file(from / "empty", "");
    REQUIRE(tree_file_bytes(from) == 73000);

    std::vector<uint64_t> reported;
    copy_tree(from, base.path() / "to", [&](uint64_t bytes) { reported.push_back(bytes); });
    CHECK(reported.size() == 3);
    CHECK(std::accumulate(reported.begin(), reported.end(), uint64_t{0}) == 73000);
}

TEST_CASE("native snapshots: prepare, commit, parent copies, remove", "[native]") {
    TempDir base("/tmp", "mab-snap-");
    fs::path dir = base.path() / "snapshots";
    NativeSnapshotter snaps(dir);
    CHECK((stat_of(dir).st_mode & 07777) == 0700);

    fs::path one = snaps.prepare("one", std::nullopt);
    CHECK(one == snaps.path("one"));
    CHECK(fs::is_directory(one));
    CHECK((stat_of(one).st_mode & 07777) == 0755);
    CHECK(list_tree(one).empty());
    CHECK_FALSE(snaps.exists("one"));
    write_file(one / "file", "v1");
    snaps.commit("one");
    CHECK(snaps.exists("one"));

    fs::path two = snaps.prepare("two", std::string("one"));
    CHECK(test::read_file(two / "file") == "v1");
    write_file(two / "file", "v2");
    CHECK(test::read_file(one / "file") == "v1");
    snaps.commit("two");

    CHECK_THROWS_AS(snaps.prepare("one", std::nullopt), Error);  // committed already
    fs::path three = snaps.prepare("three", std::nullopt);
    CHECK_THROWS_AS(snaps.prepare("four", std::string("three")), Error);  // parent not committed
    CHECK_THROWS_AS(snaps.prepare("five", std::string("missing")), Error);
    CHECK_THROWS_AS(snaps.commit("never-prepared"), Error);

    // An uncommitted leftover (a crash after prepare) is replaced by the next prepare.
    write_file(three / "leftover", "x");
    three = snaps.prepare("three", std::string("two"));
    CHECK(list_tree(three) == std::vector<std::string>{"file"});
    CHECK(test::read_file(three / "file") == "v2");

    make_dir(two / "ro");
    write_file(two / "ro" / "f", "x", 0);
    REQUIRE(::chmod((two / "ro").c_str(), 0555) == 0);
    snaps.remove("two");
    CHECK_FALSE(snaps.exists("two"));
    CHECK_FALSE(fs::exists(two));
    snaps.remove("two");  // already gone: fine
    CHECK(snaps.exists("one"));

    // Only snapshot trees and commit markers remain: no temporaries.
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"one", "one.committed", "three"});
}

TEST_CASE("snapshot keys must be plain names", "[native]") {
    TempDir base("/tmp", "mab-snap-");
    NativeSnapshotter snaps(base.path() / "s");
    for (const char* key : {"", ".", "..", ".hidden", "a/b", "x.committed"}) {
        INFO(key);
        CHECK_THROWS_AS(snaps.prepare(key, std::nullopt), Error);
    }
    CHECK_NOTHROW(snaps.prepare("sha256-0123abcd", std::nullopt));
}
