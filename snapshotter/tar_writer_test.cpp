#include "snapshotter/tar_writer.hpp"

#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"
#include "snapshotter/test_support.hpp"

using namespace mab;
using namespace mab::snapshotter;
using namespace mab::snapshotter::test;

namespace {

const std::string k_long_dir(60, 'L');
const std::string k_long_file(60, 'M');
const std::string k_longer(130, 'N');  // no '/' to split at: needs a PAX path

// A tree with every entry type the writer handles, with fixed modes and times.
struct Tree {
    TempDir dir{"/tmp", "mab-tar-"};
    fs::path root = dir.path() / "root";
    uint32_t uid = static_cast<uint32_t>(::geteuid());
    uint32_t gid = static_cast<uint32_t>(::getegid());

    Tree() {
        make_dir(root);
        make_dir(root / "dir", 0750);
        write_file(root / "dir" / "file", "hello\n", 0640);
        write_file(root / "dir" / "setuid", "#!x\n", 04755);
        make_dir(root / "sticky", 01777);
        make_symlink("dir/file", root / "link");
        write_file(root / "hard1", "shared", 0600);
        REQUIRE(::link((root / "hard1").c_str(), (root / "hard2").c_str()) == 0);
        REQUIRE(::mkfifo((root / "fifo").c_str(), 0600) == 0);
        REQUIRE(::chmod((root / "fifo").c_str(), 0620) == 0);
        make_dir(root / k_long_dir);
        write_file(root / k_long_dir / k_long_file, "long", 0644);
        write_file(root / "xattr", "x", 0644);
        set_xattr(root / "xattr", "user.one", "1");
        set_xattr(root / "xattr", "user.bin", std::string("\0\n=\xff", 4));
        write_file(root / k_longer, "n", 0644);
        write_file(root / "\xc3\xbcnicode", "u", 0644);
        write_file(root / "future", "f", 0644);
        for (const char* p : {"dir", "dir/file", "dir/setuid", "sticky", "link", "hard1", "fifo",
                              "xattr", "\xc3\xbcnicode"}) {
            set_mtime(root / p, 1000000000, 123456789);
        }
        set_mtime(root / k_long_dir / k_long_file, 1000000001);
        set_mtime(root / k_long_dir, 1000000002);
        set_mtime(root / k_longer, 1000000003);
        set_mtime(root / "future", 4000000000);
    }
};

const TarEntry& find(const std::vector<TarEntry>& entries, const std::string& name) {
    for (const TarEntry& e : entries) {
        if (e.name == name) return e;
    }
    FAIL("no entry " << name);
    throw;
}

std::string tree_tar(const fs::path& root, std::optional<int64_t> clamp, const std::string& prefix = "") {
    MemorySink sink;
    TarWriter tar(sink, clamp);
    write_tree_tar(root, prefix, tar);
    tar.finish();
    REQUIRE(sink.finished);
    return sink.data;
}

} // namespace

TEST_CASE("tar entries read back with libarchive as written", "[tar]") {
    Tree t;
    std::vector<TarEntry> entries = read_tar(tree_tar(t.root, std::nullopt));

    // Depth first, names of each directory in byte order, directories with a slash.
    CHECK(entry_names(entries) == std::vector<std::string>{
                                      k_long_dir + "/",
                                      k_long_dir + "/" + k_long_file,
                                      k_longer,
                                      "dir/",
                                      "dir/file",
                                      "dir/setuid",
                                      "fifo",
                                      "future",
                                      "hard1",
                                      "hard2",
                                      "link",
                                      "sticky/",
                                      "xattr",
                                      "\xc3\xbcnicode",
                                  });
    for (const TarEntry& e : entries) {
        INFO(e.name);
        CHECK(e.uid == t.uid);
        CHECK(e.gid == t.gid);
        CHECK(e.uname.empty());
        CHECK(e.gname.empty());
        CHECK_FALSE(e.atime_set);
        CHECK_FALSE(e.ctime_set);
        CHECK(e.mtime_nsec == 0);
    }
    const TarEntry& dir = find(entries, "dir/");
    CHECK(dir.type == 'd');
    CHECK(dir.mode == 0750);
    CHECK(dir.mtime == 1000000000);
    const TarEntry& file = find(entries, "dir/file");
    CHECK(file.type == 'f');
    CHECK(file.mode == 0640);
    CHECK(file.data == "hello\n");
    CHECK(find(entries, "dir/setuid").mode == 04755);
    CHECK(find(entries, "sticky/").mode == 01777);
    const TarEntry& link = find(entries, "link");
    CHECK(link.type == 'l');
    CHECK(link.link == "dir/file");
    CHECK(find(entries, "hard1").type == 'f');
    CHECK(find(entries, "hard1").data == "shared");
    const TarEntry& hard2 = find(entries, "hard2");
    CHECK(hard2.type == 'h');
    CHECK(hard2.link == "hard1");
    CHECK(hard2.size == 0);
    CHECK(hard2.mode == 0600);
    const TarEntry& fifo = find(entries, "fifo");
    CHECK(fifo.type == 'p');
    CHECK(fifo.mode == 0620);
    CHECK(find(entries, k_long_dir + "/" + k_long_file).data == "long");
    CHECK(find(entries, k_long_dir + "/" + k_long_file).mtime == 1000000001);
    CHECK(find(entries, k_longer).data == "n");
    CHECK(find(entries, "\xc3\xbcnicode").data == "u");
    CHECK(find(entries, "future").mtime == 4000000000);
    const TarEntry& xattr = find(entries, "xattr");
    CHECK(xattr.xattrs == std::map<std::string, std::string>{{"user.bin", std::string("\0\n=\xff", 4)},
                                                             {"user.one", "1"}});
    CHECK(find(entries, "dir/file").xattrs.empty());
}

TEST_CASE("tar output is deterministic and ends with exactly two zero blocks", "[tar]") {
    Tree t;
    std::string a = tree_tar(t.root, std::nullopt);
    std::string b = tree_tar(t.root, std::nullopt);
    CHECK(a == b);
    REQUIRE(a.size() % 512 == 0);
    CHECK(a.substr(a.size() - 1024) == std::string(1024, '\0'));
    // The block before the end marker is the last file's data ("u" + padding), not zeros.
    CHECK(a.substr(a.size() - 1536, 1) == "u");
}

TEST_CASE("mtimes newer than the clamp get the clamp", "[tar]") {
    Tree t;
    std::vector<TarEntry> entries = read_tar(tree_tar(t.root, 1000000001));
    CHECK(find(entries, "dir/file").mtime == 1000000000);
    CHECK(find(entries, k_long_dir + "/" + k_long_file).mtime == 1000000001);
    CHECK(find(entries, k_long_dir + "/").mtime == 1000000001);
    CHECK(find(entries, "future").mtime == 1000000001);
}

TEST_CASE("big ids and device nodes", "[tar]") {
    if (!is_root()) {
        SUCCEED("needs root to chown and mknod");
        return;
    }
    Tree t;
    REQUIRE(::lchown((t.root / "dir" / "file").c_str(), 3000000, 4000000) == 0);
    REQUIRE(::mknod((t.root / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
    REQUIRE(::mknod((t.root / "blk").c_str(), S_IFBLK | 0600, makedev(259, 70000)) == 0);
    std::vector<TarEntry> entries = read_tar(tree_tar(t.root, std::nullopt));
    const TarEntry& file = find(entries, "dir/file");
    CHECK(file.uid == 3000000);
    CHECK(file.gid == 4000000);
    CHECK(file.data == "hello\n");
    const TarEntry& null = find(entries, "null");
    CHECK(null.type == 'c');
    CHECK(null.rdev_major == 1);
    CHECK(null.rdev_minor == 3);
    const TarEntry& blk = find(entries, "blk");
    CHECK(blk.type == 'b');
    CHECK(blk.rdev_major == 259);
    CHECK(blk.rdev_minor == 70000);  // > 07777777: base-256
}

TEST_CASE("whiteouts", "[tar]") {
    for (std::optional<int64_t> clamp : {std::optional<int64_t>{}, std::optional<int64_t>{1700000000}}) {
        MemorySink sink;
        TarWriter tar(sink, clamp);
        tar.add_whiteout("a/b");
        tar.add_whiteout("/top");
        tar.add_whiteout("./x/y/dir/");
        tar.finish();
        std::vector<TarEntry> entries = read_tar(sink.data);
        CHECK(entry_names(entries) == std::vector<std::string>{"a/.wh.b", ".wh.top", "x/y/.wh.dir"});
        for (const TarEntry& e : entries) {
            INFO(e.name);
            CHECK(e.type == 'f');
            CHECK(e.mode == 0);
            CHECK(e.uid == 0);
            CHECK(e.gid == 0);
            CHECK(e.size == 0);
            CHECK(e.mtime == clamp.value_or(0));
        }
    }
}

TEST_CASE("write_tree_tar puts the prefix before every name", "[tar]") {
    Tree t;
    std::vector<TarEntry> entries = read_tar(tree_tar(t.root, std::nullopt, "rootfs/"));
    REQUIRE(entries.size() == 14);
    for (const TarEntry& e : entries) CHECK(e.name.rfind("rootfs/", 0) == 0);
    CHECK(find(entries, "rootfs/hard2").link == "rootfs/hard1");
}

TEST_CASE("add skips sockets and refuses use after finish", "[tar]") {
    TempDir dir("/tmp", "mab-tar-");
    MemorySink sink;
    TarWriter tar(sink, std::nullopt);
    fs::path sock = dir.path() / "sock";
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    struct sockaddr_un addr {};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock.c_str());
    REQUIRE(::bind(fd.get(), reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) == 0);
    tar.add("sock", sock);
    tar.finish();
    CHECK(sink.data == std::string(1024, '\0'));
    CHECK_THROWS_AS(tar.add_whiteout("x"), Error);
    CHECK_THROWS_AS(tar.add("missing", dir.path() / "missing"), Error);
}

// GNU tar is an independent writer of the same ustar layout: for entries that need
// no PAX header, both must produce the same bytes.
TEST_CASE("ustar bytes match GNU tar", "[tar]") {
    Tree t;
    const std::vector<std::string> names = {"dir",  "dir/file", "dir/setuid", "fifo",  "hard1", "hard2",
                                            "link", "sticky",   k_long_dir,   k_long_dir + "/" + k_long_file};
    MemorySink sink;
    TarWriter tar(sink, std::nullopt);
    for (const std::string& n : names) tar.add(n, t.root / n);
    tar.finish();

    fs::path out = t.dir.path() / "gnu.tar";
    std::string cmd = "tar --format=ustar --numeric-owner -b1 --no-recursion -C " + t.root.string() +
                      " -cf " + out.string();
    for (const std::string& n : names) cmd += " " + n;
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::string gnu = read_file(out);
    REQUIRE(gnu.size() == sink.data.size());
    for (size_t block = 0; block < gnu.size(); block += 512) {
        INFO("block at " << block);
        CHECK(sink.data.substr(block, 512) == gnu.substr(block, 512));
    }
}
