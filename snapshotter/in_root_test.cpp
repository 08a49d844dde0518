#include "snapshotter/in_root.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "snapshotter/test_support.hpp"

using namespace mab;
using namespace mab::snapshotter;
using namespace mab::snapshotter::test;

TEST_CASE("split_path drops empty and '.' components and keeps '..'", "[in_root]") {
    CHECK(split_path("/a//b/./c/") == std::vector<std::string>{"a", "b", "c"});
    CHECK(split_path("a/../b") == std::vector<std::string>{"a", "..", "b"});
    CHECK(split_path("").empty());
    CHECK(split_path("/").empty());
    CHECK(split_path("./.").empty());
}

TEST_CASE("clean_path is absolute and never climbs above /", "[in_root]") {
    struct Case {
        const char* in;
        const char* out;
    };
    const Case cases[] = {
        {"", "/"},           {".", "/"},          {"/", "/"},         {"a", "/a"},
        {"a/b/", "/a/b"},    {"/a//b/./c", "/a/b/c"}, {"/a/../../b", "/b"}, {"../../etc", "/etc"},
        {"a/b/../..", "/"},  {"..", "/"},         {"/a/./b/../c/.", "/a/c"},
    };
    for (const Case& c : cases) {
        INFO(c.in);
        CHECK(clean_path(c.in) == c.out);
    }
}

namespace {

// A root with hostile symlinks, and a canary directory beside it that must never change.
struct HostileTree {
    TempDir base{"/tmp", "mab-inroot-"};
    fs::path root = base.path() / "root";
    fs::path canary = base.path() / "canary";
    std::string unique = "mab-escape-" + std::to_string(::getpid());

    HostileTree() {
        make_dir(root);
        make_dir(canary);
        write_file(canary / "keep", "canary");
        make_symlink("/", root / "slash");
        make_symlink("../../..", root / "up");
        make_symlink("/etc", root / "etc_link");
        make_symlink(canary.string(), root / "canary_abs");
        make_symlink("../canary", root / "canary_rel");
        make_dir(root / "d");
        make_symlink("../../canary", root / "d" / "parent");
        make_symlink("../d/../../../../", root / "d" / "deep");
        make_symlink("loop2", root / "loop1");
        make_symlink("loop1", root / "loop2");
        make_symlink("/nowhere/below", root / "dangling");
        write_file(root / "file", "data");
    }

    void check_nothing_escaped() const {
        CHECK(list_tree(canary) == std::vector<std::string>{"keep"});
        CHECK(read_file(canary / "keep") == "canary");
        CHECK_FALSE(fs::exists(fs::path("/") / unique));
        CHECK_FALSE(fs::exists(fs::path("/etc") / unique));
        CHECK_FALSE(fs::exists(base.path() / unique));
    }
};

} // namespace

TEST_CASE("resolve, mkdir_all and open_parent stay inside the root", "[in_root][security]") {
    HostileTree t;
    RootFs root(t.root);
    const std::string u = t.unique;
    struct Case {
        std::string path;
        std::string resolved;
    };
    const std::vector<Case> cases = {
        {"slash/" + u, "/" + u},
        {"up/" + u, "/" + u},
        {"../../" + u, "/" + u},
        {"/a/../../" + u, "/" + u},
        {"etc_link/" + u, "/etc/" + u},
        {"canary_abs/" + u, t.canary.string() + "/" + u},
        {"canary_rel/" + u, "/canary/" + u},
        {"d/parent/" + u, "/canary/" + u},
        {"d/deep/" + u, "/" + u},
        {"slash/d/parent/" + u, "/canary/" + u},
        {"dangling/" + u, "/nowhere/below/" + u},
    };
    for (const Case& c : cases) {
        INFO(c.path);
        CHECK(root.resolve(c.path) == c.resolved);

        root.mkdir_all(c.path + "/made", 0750);
        std::optional<struct stat> st = root.lstat(c.resolved + "/made");
        REQUIRE(st);
        CHECK(S_ISDIR(st->st_mode));
        CHECK((st->st_mode & 07777) == 0750);
        CHECK(fs::is_directory(t.root / (c.resolved.substr(1) + "/made")));

        auto [dirfd, name] = root.open_parent(c.path + "/created");
        CHECK(name == "created");
        CHECK((::fcntl(dirfd.get(), F_GETFD) & FD_CLOEXEC) != 0);
        UniqueFd f(::openat(dirfd.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
        REQUIRE(f);
        CHECK(fs::is_regular_file(t.root / (c.resolved.substr(1) + "/created")));

        CHECK(root.remove(c.path + "/created"));
        CHECK_FALSE(fs::exists(t.root / (c.resolved.substr(1) + "/created")));
        t.check_nothing_escaped();
    }
}

TEST_CASE("symlink loops fail instead of resolving", "[in_root][security]") {
    HostileTree t;
    RootFs root(t.root);
    CHECK_THROWS_AS(root.resolve("loop1/x"), SystemError);
    CHECK_THROWS_AS(root.mkdir_all("loop1/x", 0755), SystemError);
    // "etc" -> "/etc" is its own target once "/" is the root.
    make_symlink("/etc", t.root / "etc");
    CHECK_THROWS_AS(root.mkdir_all("etc/" + t.unique, 0755), SystemError);
    CHECK_THROWS_AS(root.open_path("etc/passwd"), SystemError);
    t.check_nothing_escaped();
}

TEST_CASE("open_path follows symlinks inside the root only", "[in_root][security]") {
    HostileTree t;
    RootFs root(t.root);
    write_file(t.root / "d" / "inside", "in");
    make_dir(t.root / "canary");
    write_file(t.root / "canary" / "keep", "fake canary");

    CHECK_FALSE(root.open_path("missing"));
    CHECK_FALSE(root.open_path("file/below"));  // ENOTDIR counts as absent
    std::optional<UniqueFd> fd = root.open_path("d/parent/keep");
    REQUIRE(fd);
    struct stat st {};
    REQUIRE(::fstat(fd->get(), &st) == 0);
    struct stat fake {};
    REQUIRE(::stat((t.root / "canary" / "keep").c_str(), &fake) == 0);
    CHECK(st.st_ino == fake.st_ino);
    CHECK((::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC) != 0);

    std::optional<struct stat> l = root.lstat("canary_rel");
    REQUIRE(l);
    CHECK(S_ISLNK(l->st_mode));
    std::optional<struct stat> s = root.stat("canary_rel");
    REQUIRE(s);
    CHECK(S_ISDIR(s->st_mode));
    CHECK_FALSE(root.lstat("dangling/x"));
    CHECK(root.resolve("/") == "/");
    CHECK(root.resolve("d/../d/./inside") == "/d/inside");
}

TEST_CASE("mkdir_all sets mode, owner and mtime on new directories only", "[in_root]") {
    TempDir base("/tmp", "mab-inroot-");
    make_dir(base.path() / "existing", 0711);
    RootFs root(base.path());
    Ownership owner{static_cast<uint32_t>(::geteuid()), static_cast<uint32_t>(::getegid())};
    if (is_root()) owner = {1234, 5678};

    root.mkdir_all("/existing/a/b", 02755, owner, 1600000000);
    struct stat st {};
    REQUIRE(::stat((base.path() / "existing").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0711);
    for (const char* p : {"existing/a", "existing/a/b"}) {
        INFO(p);
        REQUIRE(::stat((base.path() / p).c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 02755);
        CHECK(st.st_uid == owner.uid);
        CHECK(st.st_gid == owner.gid);
        // The parent's time survives the creation of its child.
        CHECK(st.st_mtim.tv_sec == 1600000000);
    }
    // Existing: nothing to do, no error.
    root.mkdir_all("existing/a/b", 0700);
    REQUIRE(::stat((base.path() / "existing/a/b").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 02755);
}

TEST_CASE("mkdir_all refuses to go through a file", "[in_root]") {
    TempDir base("/tmp", "mab-inroot-");
    write_file(base.path() / "file", "x");
    RootFs root(base.path());
    try {
        root.mkdir_all("file/sub", 0755);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("/file is not a directory") != std::string::npos);
    }
}

TEST_CASE("mkdir_all as non-root refuses foreign owners with a clear error", "[in_root]") {
    if (is_root()) {
        SUCCEED("runs only unprivileged");
        return;
    }
    TempDir base("/tmp", "mab-inroot-");
    RootFs root(base.path());
    try {
        root.mkdir_all("a", 0755, Ownership{0, 0});
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("chown /a to 0:0") != std::string::npos);
    }
}

TEST_CASE("open_parent never names '', '.' or '..'", "[in_root]") {
    HostileTree t;
    RootFs root(t.root);
    CHECK_THROWS_AS(root.open_parent("/"), Error);
    CHECK_THROWS_AS(root.open_parent("d/.."), Error);
    CHECK_THROWS_AS(root.open_parent("slash/up/.."), Error);
    CHECK_THROWS_AS(root.open_parent("d/parent/.."), Error);  // "/canary/.." is the root
    make_dir(t.root / "d" / "sub");
    auto [fd, name] = root.open_parent("d/sub/..");
    (void)fd;
    CHECK(name == "d");
    auto [fd2, name2] = root.open_parent("slash/d/./inside/.");
    (void)fd2;
    CHECK(name2 == "inside");
    CHECK_THROWS_AS(root.open_parent("missing/dir/file"), SystemError);
}

TEST_CASE("remove never follows symlinks", "[in_root][security]") {
    HostileTree t;
    RootFs root(t.root);
    make_dir(t.root / "tree");
    make_dir(t.root / "tree" / "sub");
    make_symlink(t.canary.string(), t.root / "tree" / "sub" / "to_canary");
    make_symlink("../../../canary", t.root / "tree" / "rel_canary");
    write_file(t.root / "tree" / "sub" / "f", "x", 0);
    REQUIRE(::chmod((t.root / "tree" / "sub").c_str(), 0555) == 0);  // removable all the same

    CHECK(root.remove("canary_rel"));
    CHECK_FALSE(fs::exists(fs::symlink_status(t.root / "canary_rel")));
    CHECK_FALSE(root.remove("d/parent/keep"));  // "/canary/keep" inside the root: absent
    CHECK(root.remove("slash/tree"));
    CHECK_FALSE(fs::exists(t.root / "tree"));
    CHECK_FALSE(root.remove("tree"));
    CHECK_FALSE(root.remove("missing/deeper"));
    t.check_nothing_escaped();
}
