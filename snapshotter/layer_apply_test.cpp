#include "snapshotter/layer_apply.hpp"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "snapshotter/native_snapshotter.hpp"
#include "snapshotter/test_support.hpp"
#include "snapshotter/tree_diff.hpp"

using namespace mab;
using namespace mab::snapshotter;
using namespace mab::snapshotter::test;

namespace {

struct ApplyFixture {
    TempDir base{"/tmp", "mab-apply-"};
    fs::path root = base.path() / "root";
    fs::path canary = base.path() / "canary";
    fs::path blob = base.path() / "layer.tar";

    ApplyFixture() {
        make_dir(root);
        make_dir(canary);
        write_file(canary / "keep", "canary");
    }

    void apply(const std::vector<RawEntry>& entries, const ApplyOptions& options = {}) {
        write_raw_tar(blob, entries, RawCompression::gzip);
        RootFs rfs(root);
        apply_layer(blob, rfs, options);
    }

    void check_canary() const {
        CHECK(list_tree(canary) == std::vector<std::string>{"keep"});
        CHECK(test::read_file(canary / "keep") == "canary");
        std::vector<std::string> beside;
        for (const fs::directory_entry& e : fs::directory_iterator(base.path())) {
            beside.push_back(e.path().filename().string());
        }
        std::sort(beside.begin(), beside.end());
        CHECK(beside == std::vector<std::string>{"canary", "layer.tar", "root"});
    }
};

RawEntry entry(std::string name, char type = 'f', std::string data_or_link = {}) {
    RawEntry e;
    e.name = std::move(name);
    e.type = type;
    if (type == 'l' || type == 'h') {
        e.link = std::move(data_or_link);
    } else {
        e.data = std::move(data_or_link);
    }
    e.mode = type == 'd' ? 0755 : type == 'l' ? 0777 : 0644;
    e.uid = ::geteuid();
    e.gid = ::getegid();
    return e;
}

std::string error_of(ApplyFixture& f, const std::vector<RawEntry>& entries) {
    try {
        f.apply(entries);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        return e.what();
    }
    return "";
}

// Compares tree descriptions line by line, so a failure shows the differing entries.
// Layers carry whole-second mtimes (as Docker's), so nanoseconds are not compared.
void check_same_tree(const fs::path& got, const fs::path& want) {
    DescribeOptions seconds;
    seconds.mtime_nsec = false;
    std::map<std::string, std::string> g = describe_tree(got, seconds);
    std::map<std::string, std::string> w = describe_tree(want, seconds);
    for (const auto& [path, line] : w) {
        INFO(path);
        CHECK(g[path] == line);
    }
    for (const auto& [path, line] : g) {
        INFO(path);
        CHECK(w.count(path) == 1);
    }
}

} // namespace

TEST_CASE("layers from diff_trees applied in order reproduce the upper tree", "[apply]") {
    TempDir base{"/tmp", "mab-apply-rt-"};
    const fs::path lower = base.path() / "lower";
    const fs::path upper = base.path() / "upper";
    const fs::path out = base.path() / "out";
    oci::ContentStore store{base.path() / "content"};

    make_dir(lower);
    make_dir(lower / "bin");
    write_file(lower / "bin" / "tool", "v1", 0755);
    make_dir(lower / "etc");
    write_file(lower / "etc" / "conf", "a=1");
    make_symlink("../etc/conf", lower / "bin" / "link");
    write_file(lower / "hard1", "linked");
    REQUIRE(::link((lower / "hard1").c_str(), (lower / "hard2").c_str()) == 0);
    REQUIRE(::mkfifo((lower / "fifo").c_str(), 0600) == 0);
    write_file(lower / "xattr", "x");
    set_xattr(lower / "xattr", "user.a", "1");
    write_file(lower / "suid", "s", 04755);
    make_dir(lower / "empty");
    write_file(lower / "gone", "bye");
    make_dir(lower / "gonedir");
    write_file(lower / "gonedir" / "a", "a");
    make_dir(lower / "dir_to_file");
    write_file(lower / "dir_to_file" / "child", "c");
    write_file(lower / "file_to_dir", "f");
    make_dir(lower / "moddir");
    write_file(lower / "moddir" / "keep", "k");
    set_mtime(lower / "moddir", 5000, 7);
    copy_tree(lower, upper);

    fs::remove(upper / "gone");
    fs::remove_all(upper / "gonedir");
    fs::remove_all(upper / "dir_to_file");
    write_file(upper / "dir_to_file", "now a file");
    fs::remove(upper / "file_to_dir");
    make_dir(upper / "file_to_dir");
    write_file(upper / "file_to_dir" / "inner", "i");
    REQUIRE(::chmod((upper / "moddir").c_str(), 0700) == 0);
    write_file(upper / "bin" / "tool", "version 2", 0755);
    set_xattr(upper / "xattr", "user.a", "2");

    std::optional<Layer> l1 = diff_trees(std::nullopt, lower, store, LayerOptions{});
    LayerOptions zstd;
    zstd.compression = oci::Compression::zstd;
    std::optional<Layer> l2 = diff_trees(lower, upper, store, zstd);
    REQUIRE(l1);
    REQUIRE(l2);

    make_dir(out);
    RootFs rfs(out);
    apply_layer(store.path_of(l1->blob.digest), rfs);
    check_same_tree(out, lower);
    apply_layer(store.path_of(l2->blob.digest), rfs);
    check_same_tree(out, upper);
}

TEST_CASE("whiteouts and opaque markers act on lower content only, in any order", "[apply]") {
    for (bool marker_first : {true, false}) {
        ApplyFixture f;
        f.apply({entry("d", 'd'), entry("d/old", 'f', "old"), entry("d/sub", 'd'),
                 entry("d/sub/old2", 'f', "o"), entry("x", 'f', "lower x"), entry("y", 'f', "y")});
        std::vector<RawEntry> layer{entry("d", 'd'), entry("d/sub", 'd'), entry("d/sub/new", 'f', "n"),
                                    entry("x", 'f', "upper x")};
        std::vector<RawEntry> markers{entry("d/.wh..wh..opq"), entry(".wh.x"), entry(".wh.y")};
        layer.insert(marker_first ? layer.begin() : layer.end(), markers.begin(), markers.end());
        f.apply(layer);
        CHECK(list_tree(f.root) == std::vector<std::string>{"d/", "d/sub/", "d/sub/new", "x"});
        CHECK(test::read_file(f.root / "x") == "upper x");
    }
}

TEST_CASE("whiteout of a directory removes it with its contents", "[apply]") {
    ApplyFixture f;
    f.apply({entry("a", 'd'), entry("a/b", 'd'), entry("a/b/c", 'f', "c"), entry("keep", 'f', "k")});
    f.apply({entry(".wh.a"), entry(".wh.missing")});
    CHECK(list_tree(f.root) == std::vector<std::string>{"keep"});
}

TEST_CASE("degenerate whiteouts are refused and delete nothing", "[apply][security]") {
    for (const char* name : {"etc/.wh.", "etc/.wh..", "etc/.wh...", ".wh."}) {
        ApplyFixture f;
        f.apply({entry("etc", 'd'), entry("etc/passwd", 'f', "root")});
        const std::string err = error_of(f, {entry(name)});
        CHECK(err.find(name) != std::string::npos);
        CHECK(err.find("whiteout") != std::string::npos);
        CHECK(test::read_file(f.root / "etc" / "passwd") == "root");
    }
}

TEST_CASE("hostile layers cannot write or delete outside the root", "[apply][security]") {
    SECTION("../ and absolute names are confined") {
        ApplyFixture f;
        f.apply({entry("../../canary/keep", 'f', "pwned"), entry("/abs", 'f', "a"),
                 entry("../.wh.canary")});
        CHECK(test::read_file(f.root / "canary" / "keep") == "pwned");
        CHECK(test::read_file(f.root / "abs") == "a");
        f.check_canary();
    }
    SECTION("a symlink to outside, then a write and a whiteout through it") {
        ApplyFixture f;
        f.apply({entry("esc", 'l', f.canary.string()), entry("esc/keep", 'f', "pwned"),
                 entry("esc2", 'l', "../../canary"), entry("esc2/.wh.keep"),
                 entry("esc2/.wh..wh..opq")});
        CHECK(test::read_file(f.root / f.canary.relative_path() / "keep") == "pwned");
        f.check_canary();
    }
    SECTION("a hardlink to a file outside is refused") {
        ApplyFixture f;
        const std::string err = error_of(f, {entry("h", 'h', (f.canary / "keep").string()),
                                             entry("h2", 'h', "../canary/keep")});
        CHECK(err.find("hardlink target") != std::string::npos);
        CHECK(err.find("h") != std::string::npos);
        f.check_canary();
    }
    SECTION("\".\" as a symlink never replaces the root") {
        ApplyFixture f;
        const std::string err = error_of(f, {entry(".", 'l', f.canary.string()), entry("keep", 'f', "x")});
        CHECK(err.find("replace the destination") != std::string::npos);
        struct stat st {};
        REQUIRE(::lstat(f.root.c_str(), &st) == 0);
        CHECK(S_ISDIR(st.st_mode));
        f.check_canary();
    }
    SECTION("device nodes without privileges are an input error naming the entry") {
        if (is_root()) return;  // root may create them
        ApplyFixture f;
        RawEntry dev = entry("dev/null", 'c');
        const std::string err = error_of(f, {dev});
        CHECK(err.find("dev/null") != std::string::npos);
    }
}

TEST_CASE("max_bytes caps the uncompressed stream", "[apply][security]") {
    ApplyFixture f;
    ApplyOptions options;
    options.max_bytes = 64 * 1024;
    try {
        f.apply({entry("big", 'f', std::string(1 << 20, '\0'))}, options);
        FAIL("no error for a layer over max_bytes");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::input);
        CHECK(std::string(e.what()).find("limit of 65536") != std::string::npos);
    }
    f.apply({entry("small", 'f', "fits")}, options);
    CHECK(test::read_file(f.root / "small") == "fits");
}
