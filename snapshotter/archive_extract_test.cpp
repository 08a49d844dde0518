#include "snapshotter/archive_extract.hpp"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "snapshotter/test_support.hpp"

using namespace mab;
using namespace mab::snapshotter;
using namespace mab::snapshotter::test;

namespace {

struct Fixture {
    TempDir base{"/tmp", "mab-extract-"};
    TempDir inputs{"/tmp", "mab-extract-in-"};
    fs::path root = base.path() / "root";
    fs::path canary = base.path() / "canary";
    fs::path archive = inputs.path() / "a.tar";

    Fixture() {
        make_dir(root);
        make_dir(canary);
        write_file(canary / "keep", "canary");
    }

    ExtractOptions own_ids() const {
        ExtractOptions o;
        o.chown = Ownership{static_cast<uint32_t>(::geteuid()), static_cast<uint32_t>(::getegid())};
        return o;
    }

    void check_nothing_escaped() const {
        CHECK(list_tree(canary) == std::vector<std::string>{"keep"});
        CHECK(read_file(canary / "keep") == "canary");
        std::vector<std::string> beside;
        for (const fs::directory_entry& e : fs::directory_iterator(base.path())) {
            beside.push_back(e.path().filename().string());
        }
        std::sort(beside.begin(), beside.end());
        CHECK(beside == std::vector<std::string>{"canary", "root"});
    }
};

RawEntry reg(std::string name, std::string data, unsigned mode = 0644) {
    RawEntry e;
    e.name = std::move(name);
    e.data = std::move(data);
    e.mode = mode;
    return e;
}

RawEntry dir_entry(std::string name, unsigned mode = 0755) {
    RawEntry e;
    e.name = std::move(name);
    e.type = 'd';
    e.mode = mode;
    return e;
}

RawEntry sym(std::string name, std::string target) {
    RawEntry e;
    e.name = std::move(name);
    e.type = 'l';
    e.link = std::move(target);
    e.mode = 0777;
    return e;
}

RawEntry hard(std::string name, std::string target) {
    RawEntry e;
    e.name = std::move(name);
    e.type = 'h';
    e.link = std::move(target);
    return e;
}

} // namespace

TEST_CASE("is_tar_archive accepts tars in Docker's compressions only", "[extract]") {
    Fixture f;
    const std::vector<RawEntry> entries = {reg("a", "x")};
    const std::pair<RawCompression, const char*> kinds[] = {
        {RawCompression::none, "plain"}, {RawCompression::gzip, "gzip"}, {RawCompression::bzip2, "bzip2"},
        {RawCompression::xz, "xz"},      {RawCompression::zstd, "zstd"},
    };
    for (const auto& [compression, label] : kinds) {
        INFO(label);
        fs::path p = f.inputs.path() / (std::string(label) + ".tar");
        write_raw_tar(p, entries, compression);
        CHECK(is_tar_archive(p));
    }
    fs::path empty = f.inputs.path() / "empty";
    write_file(empty, "");
    CHECK_FALSE(is_tar_archive(empty));
    fs::path text = f.inputs.path() / "text";
    write_file(text, "just some text, long enough to not be mistaken for anything\n");
    CHECK_FALSE(is_tar_archive(text));
    REQUIRE(std::system(("gzip -k " + text.string()).c_str()) == 0);
    CHECK_FALSE(is_tar_archive(text.string() + ".gz"));
    // A tar with no entries copies as a file under Docker's ADD too.
    fs::path no_entries = f.inputs.path() / "none.tar";
    write_raw_tar(no_entries, {});
    CHECK_FALSE(is_tar_archive(no_entries));
    CHECK_THROWS_AS(is_tar_archive(f.inputs.path() / "missing"), SystemError);
}

TEST_CASE("extract_tar recreates entries with their metadata", "[extract]") {
    Fixture f;
    RawEntry d = dir_entry("d", 0750);
    d.mtime = 1000;
    RawEntry suid = reg("d/suid", "#!", 04755);
    suid.mtime = 2000;
    RawEntry xa = reg("d/xattr", "x");
    xa.xattrs = {{"user.k", "v"}};
    RawEntry fifo;
    fifo.name = "deep/missing/parents/fifo";
    fifo.type = 'p';
    fifo.mode = 0640;
    write_raw_tar(f.archive, {d, suid, xa, sym("d/link", "../elsewhere"), hard("d/hard", "d/suid"),
                              fifo, reg("\xc3\xbc", "u")}, RawCompression::gzip);
    RootFs root(f.root);
    extract_tar(f.archive, root, "/", f.own_ids());

    const std::string id = std::to_string(::geteuid()) + ":" + std::to_string(::getegid());
    std::map<std::string, std::string> want = {
        {"d", "750 " + id + " t=1000.0 dir"},
        {"d/suid", "4755 " + id + " t=2000.0 file[#!] inode-of=d/hard"},
        {"d/hard", "4755 " + id + " t=2000.0 file[#!] inode-of=d/hard"},
        {"d/xattr", "644 " + id + " t=1000000000.0 file[x] xattr:user.k=v"},
        {"d/link", "777 " + id + " t=1000000000.0 link->../elsewhere"},
        {"deep/missing/parents/fifo", "640 " + id + " t=1000000000.0 fifo"},
        {"\xc3\xbc", "644 " + id + " t=1000000000.0 file[u]"},
    };
    std::map<std::string, std::string> got = describe_tree(f.root);
    for (const auto& [path, desc] : want) {
        INFO(path);
        CHECK(got[path] == desc);
    }
    // Parents that had no entry: 0755, owned by us.
    struct stat st {};
    REQUIRE(::stat((f.root / "deep/missing").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    CHECK(got.size() == want.size() + 3);  // deep, deep/missing, deep/missing/parents
}

TEST_CASE("extract_tar into a sub-directory with owners and times overridden", "[extract]") {
    Fixture f;
    RawEntry a = reg("a", "1");
    a.mtime = 5000;
    a.uid = 1;
    a.gid = 2;
    RawEntry b = reg("sub/b", "2");
    b.mtime = 100;
    write_raw_tar(f.archive, {a, b});
    RootFs root(f.root);
    ExtractOptions options = f.own_ids();
    options.source_date_epoch = 4000;
    extract_tar(f.archive, root, "/app/dest", options);
    CHECK(read_file(f.root / "app/dest/a") == "1");
    CHECK(read_file(f.root / "app/dest/sub/b") == "2");
    struct stat st {};
    REQUIRE(::stat((f.root / "app/dest/a").c_str(), &st) == 0);
    CHECK(st.st_mtim.tv_sec == 4000);
    CHECK(st.st_uid == ::geteuid());
    REQUIRE(::stat((f.root / "app/dest/sub/b").c_str(), &st) == 0);
    CHECK(st.st_mtim.tv_sec == 100);

    if (is_root()) {
        extract_tar(f.archive, root, "/preserved", ExtractOptions{});
        REQUIRE(::stat((f.root / "preserved/a").c_str(), &st) == 0);
        CHECK(st.st_uid == 1);
        CHECK(st.st_gid == 2);
        ExtractOptions zero;
        zero.preserve_owners = false;
        extract_tar(f.archive, root, "/zeroed", zero);
        REQUIRE(::stat((f.root / "zeroed/a").c_str(), &st) == 0);
        CHECK(st.st_uid == 0);
        CHECK(st.st_gid == 0);
    } else {
        // Unprivileged, foreign owners are a clear input error.
        try {
            extract_tar(f.archive, root, "/preserved", ExtractOptions{});
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::input);
            CHECK(std::string(e.what()).find("chown /preserved/a to 1:2") != std::string::npos);
        }
    }
}

TEST_CASE("directories merge, other types replace what is there", "[extract]") {
    Fixture f;
    RootFs root(f.root);
    make_dir(f.root / "keepdir");
    write_file(f.root / "keepdir" / "old", "old");
    make_dir(f.root / "wasdir");
    write_file(f.root / "wasdir" / "inner", "inner");
    write_file(f.root / "wasfile", "file");
    make_symlink(f.canary.string() + "/keep", f.root / "victim");
    RawEntry kd = dir_entry("keepdir", 0700);
    kd.mtime = 777;
    write_raw_tar(f.archive, {kd, reg("keepdir/new", "new"), reg("wasdir", "now a file"),
                              dir_entry("wasfile"), reg("victim", "overwritten?")});
    extract_tar(f.archive, root, "/", f.own_ids());
    CHECK(read_file(f.root / "keepdir/old") == "old");
    CHECK(read_file(f.root / "keepdir/new") == "new");
    struct stat st {};
    REQUIRE(::stat((f.root / "keepdir").c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0700);
    CHECK(st.st_mtim.tv_sec == 777);  // set after "keepdir/new" was added
    CHECK(read_file(f.root / "wasdir") == "now a file");
    CHECK(fs::is_directory(f.root / "wasfile"));
    CHECK(fs::is_regular_file(fs::symlink_status(f.root / "victim")));
    CHECK(read_file(f.root / "victim") == "overwritten?");
    f.check_nothing_escaped();
}

TEST_CASE("hostile archives cannot write outside the root", "[extract][security]") {
    struct Case {
        const char* label;
        std::vector<RawEntry> entries;
        std::vector<std::string> inside;  // files that must exist in the root afterwards
    };
    Fixture probe;  // only for the absolute path of a canary
    const std::vector<Case> cases = {
        {"dot-dot", {reg("../escape", "e"), reg("a/../../../escape2", "e")}, {"escape", "escape2"}},
        {"absolute", {reg("/abs/file", "e")}, {"abs/file"}},
        {"symlink to /", {sym("link", "/"), reg("link/evil", "e")}, {"evil"}},
        {"symlink up", {sym("l", "../../../"), reg("l/x", "e")}, {"x"}},
        {"symlink to host dir", {sym("c", probe.canary.string()), reg("c/pwn", "e")},
         {probe.canary.string().substr(1) + "/pwn"}},
        {"symlink swaps a dir", {dir_entry("d"), sym("d", "../../.."), reg("d/through", "e")}, {"through"}},
        {"chained symlinks", {sym("a", "b/.."), dir_entry("b"), sym("b/c", "../../../.."),
                              reg("b/c/chain", "e")}, {"chain"}},
    };
    for (const Case& c : cases) {
        INFO(c.label);
        Fixture f;
        write_raw_tar(f.archive, c.entries);
        RootFs root(f.root);
        extract_tar(f.archive, root, "/", f.own_ids());
        for (const std::string& p : c.inside) {
            INFO(p);
            CHECK(fs::is_regular_file(fs::symlink_status(f.root / p)));
        }
        f.check_nothing_escaped();
    }
}

TEST_CASE("hostile hardlinks and root entries are refused", "[extract][security]") {
    struct Case {
        const char* label;
        std::vector<RawEntry> entries;
        const char* message;
    };
    const std::vector<Case> cases = {
        {"hardlink out", {hard("h", "../../etc/passwd")}, "h: hardlink target ../../etc/passwd does not exist"},
        {"hardlink via symlink", {sym("s", "/etc"), hard("h", "s/passwd")},
         "h: hardlink target s/passwd does not exist"},
        {"hardlink to dir", {dir_entry("dd"), hard("h", "dd")}, "h: hardlink to directory dd"},
        {"dot as symlink", {sym(".", "/")}, ".: entry would replace the destination directory"},
        {"dot-dot as file", {reg("a/../..", "x")}, "a/../..: entry would replace the destination directory"},
    };
    for (const Case& c : cases) {
        INFO(c.label);
        Fixture f;
        write_raw_tar(f.archive, c.entries);
        RootFs root(f.root);
        try {
            extract_tar(f.archive, root, "/", f.own_ids());
            FAIL("no error");
        } catch (const Error& e) {
            INFO(e.what());
            CHECK(e.kind() == ErrorKind::input);
            CHECK(std::string(e.what()).find(c.message) != std::string::npos);
        }
        CHECK(fs::is_directory(fs::symlink_status(f.root)));
        f.check_nothing_escaped();
    }
}

TEST_CASE("hardlinks resolve inside the root", "[extract][security]") {
    Fixture f;
    make_dir(f.root / "etc");
    write_file(f.root / "etc" / "passwd", "image passwd");
    write_raw_tar(f.archive, {sym("s", "/etc"), hard("h1", "../../etc/passwd"),
                              hard("h2", "s/passwd"), sym("sl", "/etc/passwd"), hard("h3", "sl")});
    RootFs root(f.root);
    extract_tar(f.archive, root, "/", f.own_ids());
    struct stat target {};
    REQUIRE(::stat((f.root / "etc/passwd").c_str(), &target) == 0);
    for (const char* h : {"h1", "h2"}) {
        struct stat st {};
        REQUIRE(::lstat((f.root / h).c_str(), &st) == 0);
        CHECK(st.st_ino == target.st_ino);
    }
    // A hardlink to a symlink links the symlink itself.
    CHECK(fs::is_symlink(f.root / "h3"));
    f.check_nothing_escaped();
}

TEST_CASE("a root directory entry is skipped", "[extract]") {
    Fixture f;
    REQUIRE(::chmod(f.root.c_str(), 0755) == 0);
    write_raw_tar(f.archive, {dir_entry("./", 0777), dir_entry(".", 0700), reg("./a", "a")});
    RootFs root(f.root);
    extract_tar(f.archive, root, "/", f.own_ids());
    struct stat st {};
    REQUIRE(::stat(f.root.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    CHECK(read_file(f.root / "a") == "a");
}

TEST_CASE("device nodes need privileges", "[extract]") {
    Fixture f;
    RawEntry null;
    null.name = "dev/null";
    null.type = 'c';
    null.mode = 0666;
    write_raw_tar(f.archive, {null});
    RootFs root(f.root);
    if (is_root()) {
        extract_tar(f.archive, root, "/", f.own_ids());
        struct stat st {};
        REQUIRE(::lstat((f.root / "dev/null").c_str(), &st) == 0);
        CHECK(S_ISCHR(st.st_mode));
        CHECK(st.st_rdev == makedev(1, 3));
        CHECK((st.st_mode & 07777) == 0666);
    } else {
        try {
            extract_tar(f.archive, root, "/", f.own_ids());
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::input);
            CHECK(std::string(e.what()).find("dev/null: creating device node not permitted") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("PAX headers over 1 MiB are refused", "[extract][security]") {
    Fixture f;
    RawEntry big = reg("big", "x");
    big.xattrs = {{"user.huge", std::string(1100 * 1024, 'h')}};
    write_raw_tar(f.archive, {big});
    RootFs root(f.root);
    CHECK_THROWS_AS(extract_tar(f.archive, root, "/", f.own_ids()), Error);
    CHECK_FALSE(fs::exists(f.root / "big"));
}

TEST_CASE("a corrupt archive is an input error", "[extract]") {
    Fixture f;
    write_raw_tar(f.archive, {reg("a", std::string(5000, 'a')), reg("b", "b")});
    std::string bytes = read_file(f.archive);
    write_file(f.archive, bytes.substr(0, 2048));  // cut inside a's data
    RootFs root(f.root);
    try {
        extract_tar(f.archive, root, "/", f.own_ids());
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
    }
}

TEST_CASE("sparse entries keep their holes and size", "[extract]") {
    Fixture f;
    fs::path src = f.inputs.path() / "src";
    make_dir(src);
    {
        std::string cmd = "truncate -s 3M " + (src / "sparse").string() + " && printf data | dd of=" +
                          (src / "sparse").string() + " bs=1 seek=1048576 conv=notrunc status=none";
        REQUIRE(std::system(cmd.c_str()) == 0);
    }
    REQUIRE(std::system(("tar --sparse --format=pax -C " + src.string() + " -cf " + f.archive.string() +
                         " sparse").c_str()) == 0);
    RootFs root(f.root);
    extract_tar(f.archive, root, "/", f.own_ids());
    std::string got = read_file(f.root / "sparse");
    std::string want(3 << 20, '\0');
    want.replace(1048576, 4, "data");
    CHECK(got.size() == want.size());
    CHECK(got == want);
}
