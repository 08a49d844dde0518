// COPY / ADD semantics on real trees: apply_file_op on a temporary root with a
// temporary build context.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "engine/ops/file_op.hpp"
#include "engine/ops/test_support.hpp"

namespace fs = std::filesystem;
namespace g = mab::engine::graph;
namespace t = mab::engine::ops::test;

namespace {

struct Trees : t::CopyTrees {
    Trees() : CopyTrees("mab-copy-") {}

    void apply(std::vector<g::FileAction> actions, std::optional<int64_t> created_mtime = 0) {
        g::FileOp op{std::move(actions), created_mtime};
        mab::engine::ops::apply_file_op(op, root,
                                        {{root, "the base"}, {ctx, "the build context"}});
    }

    // The message of the Error(input) that applying `actions` throws.
    std::string error_of(std::vector<g::FileAction> actions) {
        try {
            apply(std::move(actions));
        } catch (const mab::Error& e) {
            CHECK(e.kind() == mab::ErrorKind::input);
            return e.what();
        }
        return "(no error)";
    }
};

g::CopyAction copy(const std::string& src, const std::string& dest) { return t::copy_action(src, dest); }

g::CopyAction add(const std::string& src, const std::string& dest) {
    g::CopyAction a = copy(src, dest);
    a.unpack_archives = true;
    return a;
}

using t::can_chown;

} // namespace

TEST_CASE("COPY a file to a file path keeps data, mode and mtime", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "a.txt", "hello", 0640);
    t::set_mtime(tr.ctx / "a.txt", 1500000000, 123456789);
    tr.apply({copy("a.txt", "/b.txt"), copy("/a.txt", "/deep/er/c.txt")});

    CHECK(t::read_file(tr.root / "b.txt") == "hello");
    struct stat st = t::lstat_of(tr.root / "b.txt");
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(st.st_uid == 0);
    CHECK(st.st_gid == 0);
    CHECK(st.st_mtim.tv_sec == 1500000000);
    CHECK(st.st_mtim.tv_nsec == 123456789);
    CHECK(t::read_file(tr.root / "deep/er/c.txt") == "hello");
    CHECK((t::lstat_of(tr.root / "deep/er").st_mode & 07777) == 0755);
    CHECK_FALSE(t::exists_nofollow(tr.root / "a.txt"));
}

TEST_CASE("COPY a file into a directory: dest/ or an existing directory", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "a.txt", "A");
    t::make_dir(tr.root / "existing");
    tr.apply({copy("a.txt", "/app/"), copy("a.txt", "/existing")}, 1234);

    CHECK(t::read_file(tr.root / "app/a.txt") == "A");
    CHECK(t::read_file(tr.root / "existing/a.txt") == "A");
    struct stat app = t::lstat_of(tr.root / "app");
    CHECK(S_ISDIR(app.st_mode));
    CHECK((app.st_mode & 07777) == 0755);
    CHECK(app.st_mtim.tv_sec == 1234);  // created by the op: created_dir_mtime
    CHECK(app.st_mtim.tv_nsec == 0);
}

TEST_CASE("COPY a directory copies its contents, with their metadata", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "dir/x", "x");
    t::write_file(tr.ctx / "dir/sub/y", "y", 0600);
    ::chmod((tr.ctx / "dir/sub").c_str(), 0750);
    t::set_mtime(tr.ctx / "dir/sub", 1600000000, 5);
    tr.apply({copy("dir", "/dst")}, 99);

    CHECK(t::read_file(tr.root / "dst/x") == "x");
    CHECK(t::read_file(tr.root / "dst/sub/y") == "y");
    CHECK_FALSE(t::exists_nofollow(tr.root / "dst/dir"));
    struct stat sub = t::lstat_of(tr.root / "dst/sub");
    CHECK((sub.st_mode & 07777) == 0750);
    CHECK(sub.st_mtim.tv_sec == 1600000000);
    CHECK(sub.st_mtim.tv_nsec == 5);
    CHECK((t::lstat_of(tr.root / "dst/sub/y").st_mode & 07777) == 0600);
    CHECK(t::lstat_of(tr.root / "dst").st_mtim.tv_sec == 99);
}

TEST_CASE("COPY into an existing directory merges and keeps its mtime", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "dir/new.txt", "new");
    t::write_file(tr.ctx / "dir/sub/two.txt", "two");
    t::write_file(tr.root / "dst/old.txt", "old");
    t::write_file(tr.root / "dst/sub/one.txt", "one");
    t::set_mtime(tr.root / "dst", 1111, 1);
    t::set_mtime(tr.root, 2222, 2);
    tr.apply({copy("dir", "/dst"), copy("dir/new.txt", "/top.txt")});

    CHECK(t::read_file(tr.root / "dst/old.txt") == "old");
    CHECK(t::read_file(tr.root / "dst/new.txt") == "new");
    CHECK(t::read_file(tr.root / "dst/sub/one.txt") == "one");
    CHECK(t::read_file(tr.root / "dst/sub/two.txt") == "two");
    struct stat dst = t::lstat_of(tr.root / "dst");
    CHECK(dst.st_mtim.tv_sec == 1111);
    CHECK(dst.st_mtim.tv_nsec == 1);
    CHECK(t::lstat_of(tr.root).st_mtim.tv_sec == 2222);
}

TEST_CASE("COPY replaces an existing file with a new inode", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "a.txt", "new");
    t::write_file(tr.root / "a.txt", "old");
    REQUIRE(::link((tr.root / "a.txt").c_str(), (tr.root / "other").c_str()) == 0);
    tr.apply({copy("a.txt", "/a.txt")});
    CHECK(t::read_file(tr.root / "a.txt") == "new");
    CHECK(t::read_file(tr.root / "other") == "old");  // not written through the old inode
}

TEST_CASE("COPY with wildcards", "[copy][wildcard]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "a.txt", "a");
    t::write_file(tr.ctx / "b.txt", "b");
    t::write_file(tr.ctx / "c.md", "c");
    t::write_file(tr.ctx / "sub/d.txt", "d");
    t::write_file(tr.ctx / "sub2/e.txt", "e");

    SECTION("several matches into dir/") {
        tr.apply({copy("*.txt", "/out/")});
        CHECK(t::read_file(tr.root / "out/a.txt") == "a");
        CHECK(t::read_file(tr.root / "out/b.txt") == "b");
        CHECK_FALSE(t::exists_nofollow(tr.root / "out/c.md"));
        CHECK_FALSE(t::exists_nofollow(tr.root / "out/d.txt"));
    }
    SECTION("wildcards in directory components and classes") {
        tr.apply({copy("sub*/*.txt", "/out/"), copy("[!a].md", "/md/")});
        CHECK(t::read_file(tr.root / "out/d.txt") == "d");
        CHECK(t::read_file(tr.root / "out/e.txt") == "e");
        CHECK(t::read_file(tr.root / "md/c.md") == "c");
    }
    SECTION("one match may go to a file path") {
        tr.apply({copy("?.md", "/readme")});
        CHECK(t::read_file(tr.root / "readme") == "c");
    }
    SECTION("several matches need a directory destination") {
        CHECK(tr.error_of({copy("*.txt", "/out")}) ==
              "When using COPY with more than one source file, the destination must be a "
              "directory and end with a /");
    }
    SECTION("no match") {
        CHECK(tr.error_of({copy("*.none", "/out/")}) ==
              "COPY failed: \"/*.none\": not found in the build context");
    }
    SECTION("a malformed pattern names it") {
        CHECK_THAT(tr.error_of({copy("a[", "/out/")}), Catch::Contains("\"a[\""));
    }
    SECTION("without allow_wildcard the name is literal") {
        t::write_file(tr.ctx / "lit*.txt", "literal");
        g::CopyAction a = copy("lit*.txt", "/lit");
        a.allow_wildcard = false;
        tr.apply({a});
        CHECK(t::read_file(tr.root / "lit") == "literal");
    }
}

TEST_CASE("COPY of a missing source names it and where it was looked for", "[copy]") {
    Trees tr;
    CHECK(tr.error_of({copy("missing.txt", "/x")}) ==
          "COPY failed: \"/missing.txt\": not found in the build context");
    CHECK(tr.error_of({add("/some/missing.tar", "/x/")}) ==
          "ADD failed: \"/some/missing.tar\": not found in the build context");
}

TEST_CASE("COPY --chown by name and by number", "[copy][chown]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.root / "etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
    t::write_file(tr.root / "etc/group", "root:x:0:\nstaff:x:50:\n");
    t::write_file(tr.ctx / "dir/f", "f");
    t::write_file(tr.ctx / "a.txt", "a");

    g::CopyAction by_name = copy("dir", "/named/sub");
    by_name.chown = g::ChownSpec{"app", ""};
    g::CopyAction by_group = copy("a.txt", "/grouped.txt");
    by_group.chown = g::ChownSpec{"app", "staff"};
    g::CopyAction numeric = copy("a.txt", "/num/");
    numeric.chown = g::ChownSpec{"42", "43"};
    tr.apply({by_name, by_group, numeric});

    for (const char* p : {"named", "named/sub", "named/sub/f"}) {
        INFO(p);
        struct stat st = t::lstat_of(tr.root / p);
        CHECK(st.st_uid == 1000);
        CHECK(st.st_gid == 1001);
    }
    CHECK(t::lstat_of(tr.root / "grouped.txt").st_gid == 50);
    CHECK(t::lstat_of(tr.root / "num/a.txt").st_uid == 42);
    CHECK(t::lstat_of(tr.root / "num/a.txt").st_gid == 43);
    CHECK(t::lstat_of(tr.root / "num").st_uid == 42);

    g::CopyAction unknown = copy("a.txt", "/u");
    unknown.chown = g::ChownSpec{"nobody", ""};
    CHECK(tr.error_of({unknown}) == "unable to find user nobody: no matching entries in passwd file");
}

TEST_CASE("COPY --chmod sets permission bits of files and directories", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "dir/f", "f", 0644);
    t::make_dir(tr.ctx / "dir/sub", 0700);
    t::make_symlink("f", tr.ctx / "dir/link");
    g::CopyAction a = copy("dir", "/d");
    a.chmod = 04750;
    tr.apply({a});
    CHECK((t::lstat_of(tr.root / "d/f").st_mode & 07777) == 04750);
    CHECK((t::lstat_of(tr.root / "d/sub").st_mode & 07777) == 04750);
    CHECK(S_ISLNK(t::lstat_of(tr.root / "d/link").st_mode));
}

TEST_CASE("COPY keeps source owners only with preserve_owner", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "a.txt", "a");
    REQUIRE(::chown((tr.ctx / "a.txt").c_str(), 1234, 5678) == 0);
    g::CopyAction keep = copy("a.txt", "/kept");
    keep.preserve_owner = true;
    tr.apply({keep, copy("a.txt", "/reset")});
    CHECK(t::lstat_of(tr.root / "kept").st_uid == 1234);
    CHECK(t::lstat_of(tr.root / "kept").st_gid == 5678);
    CHECK(t::lstat_of(tr.root / "reset").st_uid == 0);
    CHECK(t::lstat_of(tr.root / "reset").st_gid == 0);
}

TEST_CASE("COPY follows a top-level source symlink inside the context only", "[copy][security]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "real.txt", "real");
    t::make_symlink("/real.txt", tr.ctx / "link");  // absolute: the context is its root
    t::write_file(tr.ctx / "dir/x", "x");
    t::make_symlink("dir", tr.ctx / "dirlink");

    SECTION("followed") {
        tr.apply({copy("link", "/got"), copy("dirlink", "/d"), copy("link", "/named/")});
        CHECK(S_ISREG(t::lstat_of(tr.root / "got").st_mode));
        CHECK(t::read_file(tr.root / "got") == "real");
        CHECK(t::read_file(tr.root / "d/x") == "x");
        CHECK(t::read_file(tr.root / "named/link") == "real");  // the name given, not the target's
    }
    SECTION("not followed") {
        g::CopyAction a = copy("link", "/got");
        a.follow_symlinks = false;
        tr.apply({a});
        CHECK(fs::read_symlink(tr.root / "got") == "/real.txt");
    }
}

TEST_CASE("COPY never reads host files through context symlinks", "[copy][security]") {
    if (!can_chown()) return;
    Trees tr;
    // A host file next to the context, and links that point at it from inside.
    t::write_file(tr.tmp.path() / "outside/secret.txt", "host secret");
    t::make_symlink("/etc/passwd", tr.ctx / "pw");
    t::make_symlink("../outside", tr.ctx / "up");
    t::make_symlink((tr.tmp.path() / "outside/secret.txt").string(), tr.ctx / "abs");
    t::make_symlink("/etc/passwd", tr.ctx / "dir/pw");

    CHECK(tr.error_of({copy("pw", "/x")}) == "COPY failed: \"/pw\": not found in the build context");
    CHECK(tr.error_of({copy("up/secret.txt", "/x")}) ==
          "COPY failed: \"/up/secret.txt\": not found in the build context");
    CHECK(tr.error_of({copy("abs", "/x")}) == "COPY failed: \"/abs\": not found in the build context");

    // Deeper in a copied directory a symlink is copied as a symlink, not read.
    tr.apply({copy("dir", "/d")});
    CHECK(fs::read_symlink(tr.root / "d/pw") == "/etc/passwd");

    // With the file present inside the context, the link means that one.
    t::write_file(tr.ctx / "etc/passwd", "context passwd");
    tr.apply({copy("pw", "/x")});
    CHECK(t::read_file(tr.root / "x") == "context passwd");
}

TEST_CASE("COPY destinations through symlinks stay inside the root", "[copy][security]") {
    if (!can_chown()) return;
    Trees tr;
    const fs::path canary = tr.tmp.path() / "canary";
    t::make_dir(canary);
    t::write_file(tr.ctx / "a.txt", "payload");
    t::make_symlink(canary.string(), tr.root / "app");                   // absolute host path
    t::make_symlink("../../../../../../../../..", tr.root / "up");      // many ".."
    t::make_symlink((canary / "f.txt").string(), tr.root / "f");         // the file itself
    t::write_file(tr.ctx / "dir/in-dir.txt", "d");

    tr.apply({copy("a.txt", "/app/"), copy("a.txt", "/up/via-up.txt"), copy("a.txt", "/f"),
              copy("dir", "/app/sub")});

    CHECK(fs::is_empty(canary));
    CHECK_FALSE(t::exists_nofollow(tr.tmp.path() / "via-up.txt"));
    const fs::path inside = tr.root / canary.relative_path();
    CHECK(t::read_file(inside / "a.txt") == "payload");
    CHECK(t::read_file(inside / "f.txt") == "payload");
    CHECK(t::read_file(inside / "sub/in-dir.txt") == "d");
    CHECK(t::read_file(tr.root / "via-up.txt") == "payload");
    CHECK(fs::read_symlink(tr.root / "app") == canary);  // the links themselves stay
}

TEST_CASE("COPY of a directory onto a non-directory fails", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "dir/sub/x", "x");
    t::make_dir(tr.root / "dst");
    t::make_symlink("/elsewhere", tr.root / "dst/sub");
    CHECK(tr.error_of({copy("dir", "/dst")}) == "cannot copy to non-directory: /dst/sub");
    t::write_file(tr.root / "file", "f");
    CHECK(tr.error_of({copy("dir", "/file")}) == "cannot copy to non-directory: /file");
}

TEST_CASE("COPY keeps hardlinks inside a copied directory", "[copy]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "h/a", "shared");
    REQUIRE(::link((tr.ctx / "h/a").c_str(), (tr.ctx / "h/b").c_str()) == 0);
    tr.apply({copy("h", "/h")});
    struct stat a = t::lstat_of(tr.root / "h/a");
    struct stat b = t::lstat_of(tr.root / "h/b");
    CHECK(a.st_ino == b.st_ino);
    CHECK(a.st_nlink == 2);
    CHECK(a.st_ino != t::lstat_of(tr.ctx / "h/a").st_ino);
}

TEST_CASE("ADD extracts local tar archives, COPY does not", "[copy][add]") {
    if (!can_chown()) return;
    Trees tr;
    const std::vector<t::ArchiveEntry> entries = {
        {"dir/", "", 0750, 0, 0, 1000000000},
        {"dir/f.txt", "inside", 0600, 0, 0, 1000000001},
        {"top.txt", "top", 0644, 0, 0, 1000000002},
    };
    t::write_tar(tr.ctx / "a.tar", entries);
    t::write_tar(tr.ctx / "b.tar.gz", entries, true);
    t::write_file(tr.ctx / "plain.gz.txt", "not an archive");

    g::CopyAction owned = add("b.tar.gz", "/owned");
    owned.chown = g::ChownSpec{"7", "8"};
    tr.apply({add("a.tar", "/x/"), owned, add("plain.gz.txt", "/p/"), copy("a.tar", "/c/")}, 5);

    CHECK(t::read_file(tr.root / "x/dir/f.txt") == "inside");
    CHECK(t::read_file(tr.root / "x/top.txt") == "top");
    CHECK((t::lstat_of(tr.root / "x/dir").st_mode & 07777) == 0750);
    CHECK(t::lstat_of(tr.root / "x/top.txt").st_mtim.tv_sec == 1000000002);
    CHECK(t::lstat_of(tr.root / "x").st_mtim.tv_sec == 5);
    CHECK(t::read_file(tr.root / "owned/dir/f.txt") == "inside");
    CHECK(t::lstat_of(tr.root / "owned/dir/f.txt").st_uid == 7);
    CHECK(t::lstat_of(tr.root / "owned/dir/f.txt").st_gid == 8);
    CHECK(t::read_file(tr.root / "p/plain.gz.txt") == "not an archive");
    CHECK(S_ISREG(t::lstat_of(tr.root / "c/a.tar").st_mode));
}

TEST_CASE("mkdir, mkfile and rm actions", "[file_op]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.root / "etc/passwd", "app:x:1000:1001::/:/bin/sh\n");
    t::write_file(tr.root / "gone/file", "x");
    t::set_mtime(tr.root / "gone", 777);
    g::MkdirAction mk{"/a/b/c", 0775, true, g::ChownSpec{"app", ""}};
    g::MkfileAction mf{"/a/f", 0640, "data", std::nullopt};
    g::RmAction rm{"/gone/file", false};
    tr.apply({mk, mf, rm, g::MkdirAction{"/a/b", 0700, false, std::nullopt}}, 321);

    struct stat c = t::lstat_of(tr.root / "a/b/c");
    CHECK((c.st_mode & 07777) == 0775);
    CHECK(c.st_uid == 1000);
    CHECK(c.st_mtim.tv_sec == 321);
    CHECK((t::lstat_of(tr.root / "a/b").st_mode & 07777) == 0775);  // existing: untouched
    CHECK(t::read_file(tr.root / "a/f") == "data");
    CHECK((t::lstat_of(tr.root / "a/f").st_mode & 07777) == 0640);
    CHECK(t::lstat_of(tr.root / "a").st_mtim.tv_sec == 321);
    CHECK_FALSE(t::exists_nofollow(tr.root / "gone/file"));
    CHECK(t::lstat_of(tr.root / "gone").st_mtim.tv_sec == 777);

    CHECK(tr.error_of({g::RmAction{"/nothing", false}}) == "rm /nothing: no such file or directory");
    CHECK_NOTHROW(tr.apply({g::RmAction{"/nothing", true}}));
    CHECK_THAT(tr.error_of({g::MkdirAction{"/x/y", 0755, false, std::nullopt}}),
               Catch::Contains("/x"));
}
