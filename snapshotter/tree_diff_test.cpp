#include "snapshotter/tree_diff.hpp"

#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "base/temp_dir.hpp"
#include "oci/digest.hpp"
#include "oci/media_types.hpp"
#include "snapshotter/archive_extract.hpp"
#include "snapshotter/native_snapshotter.hpp"
#include "snapshotter/test_support.hpp"

using namespace mab;
using namespace mab::snapshotter;
using namespace mab::snapshotter::test;

namespace {

// Files under `dir`, recursively (for "nothing was written" checks).
std::vector<std::string> files_under(const fs::path& dir) {
    std::vector<std::string> out;
    if (!fs::exists(dir)) return out;
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_directory()) out.push_back(fs::relative(e.path(), dir).string());
    }
    return out;
}

struct DiffFixture {
    TempDir base{"/tmp", "mab-diff-"};
    fs::path lower = base.path() / "lower";
    fs::path upper = base.path() / "upper";
    oci::ContentStore store{base.path() / "content"};

    // A lower tree with every entry type; upper starts as an exact copy of it.
    DiffFixture() {
        make_dir(lower);
        make_dir(lower / "bin");
        write_file(lower / "bin" / "tool", "v1", 0755);
        make_dir(lower / "etc");
        write_file(lower / "etc" / "conf", "a=1");
        set_mtime(lower / "etc" / "conf", 2000);  // whole seconds: content gets compared
        write_file(lower / "etc" / "same", "same");
        set_mtime(lower / "etc" / "same", 3000, 5);
        make_symlink("etc/conf", lower / "link");
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
        make_dir(lower / "gonedir" / "sub");
        write_file(lower / "gonedir" / "sub" / "b", "b");
        write_file(lower / "replace", "file for now");
        make_dir(lower / "dir_to_file");
        write_file(lower / "dir_to_file" / "child", "c");
        make_dir(lower / "moddir");
        write_file(lower / "moddir" / "keep", "k");
        if (is_root()) REQUIRE(::mknod((lower / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
        copy_tree(lower, upper);
    }

    // The changes of the tests below, each of a different kind.
    void change_upper() {
        write_file(upper / "new", "new file");
        make_dir(upper / "newdir");
        write_file(upper / "newdir" / "n", "n");
        write_file(upper / "etc" / "conf", "a=2");  // same size ...
        set_mtime(upper / "etc" / "conf", 2000);    // ... and the same whole-second mtime
        REQUIRE(::chmod((upper / "bin" / "tool").c_str(), 0700) == 0);
        fs::remove(upper / "gone");
        fs::remove_all(upper / "gonedir");
        fs::remove(upper / "replace");
        make_dir(upper / "replace");
        write_file(upper / "replace" / "inner", "i");
        fs::remove_all(upper / "dir_to_file");
        write_file(upper / "dir_to_file", "now a file");
        struct stat st {};
        REQUIRE(::stat((upper / "moddir").c_str(), &st) == 0);
        REQUIRE(::chmod((upper / "moddir").c_str(), 0700) == 0);
        set_xattr(upper / "xattr", "user.a", "2");
    }

    std::string blob(const Layer& layer) const { return test::read_file(store.path_of(layer.blob.digest)); }
};

const TarEntry& find(const std::vector<TarEntry>& entries, const std::string& name) {
    for (const TarEntry& e : entries) {
        if (e.name == name) return e;
    }
    FAIL("no entry " << name);
    throw;
}

// Applies whiteouts the way an image applier does (the extractor does not: ADD
// semantics), keeping the parent's mtime as the layer set it.
void apply_whiteouts(const fs::path& dir) {
    std::vector<fs::path> markers;
    for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir)) {
        if (e.path().filename().string().rfind(".wh.", 0) == 0) markers.push_back(e.path());
    }
    for (const fs::path& m : markers) {
        struct stat parent {};
        REQUIRE(::stat(m.parent_path().c_str(), &parent) == 0);
        fs::remove_all(m.parent_path() / m.filename().string().substr(4));
        fs::remove(m);
        set_mtime(m.parent_path(), parent.st_mtim.tv_sec, parent.st_mtim.tv_nsec);
    }
}

} // namespace

TEST_CASE("diff_trees writes exactly what changed", "[diff]") {
    DiffFixture f;
    f.change_upper();
    std::optional<Layer> layer = diff_trees(f.lower, f.upper, f.store, LayerOptions{});
    REQUIRE(layer);
    std::vector<TarEntry> entries = read_tar(f.blob(*layer));
    CHECK(entry_names(entries) == std::vector<std::string>{
                                      "bin/",  // parent of a change, unchanged itself
                                      "bin/tool",
                                      "dir_to_file",
                                      "etc/",
                                      "etc/conf",
                                      ".wh.gone",
                                      ".wh.gonedir",  // one whiteout for the whole directory
                                      "moddir/",
                                      "new",
                                      "newdir/",
                                      "newdir/n",
                                      "replace/",
                                      "replace/inner",
                                      "xattr",
                                  });
    CHECK(find(entries, "bin/tool").mode == 0700);
    CHECK(find(entries, "etc/conf").data == "a=2");
    CHECK(find(entries, "dir_to_file").type == 'f');
    CHECK(find(entries, "replace/").type == 'd');
    CHECK(find(entries, "moddir/").mode == 0700);
    CHECK(find(entries, ".wh.gone").mode == 0);
    CHECK(find(entries, "xattr").xattrs == std::map<std::string, std::string>{{"user.a", "2"}});
}

TEST_CASE("the layer's digests and sizes describe the blob", "[diff]") {
    const std::pair<oci::Compression, std::string_view> kinds[] = {
        {oci::Compression::gzip, oci::media_type::k_oci_layer_gzip},
        {oci::Compression::zstd, oci::media_type::k_oci_layer_zstd},
        {oci::Compression::none, oci::media_type::k_oci_layer},
    };
    for (const auto& [compression, media_type] : kinds) {
        INFO(oci::compression_name(compression));
        DiffFixture f;
        f.change_upper();
        LayerOptions options;
        options.compression = compression;
        std::optional<Layer> layer = diff_trees(f.lower, f.upper, f.store, options);
        REQUIRE(layer);
        std::string blob = f.blob(*layer);
        CHECK(layer->blob.media_type == media_type);
        CHECK(layer->blob.digest == oci::sha256_of(blob));
        CHECK(layer->blob.size == static_cast<int64_t>(blob.size()));
        // Decompress with an independent reader (libarchive's raw format).
        std::vector<TarEntry> entries = read_tar(blob);
        CHECK(entries.size() == 14);
        if (compression == oci::Compression::none) {
            CHECK(layer->diff_id == layer->blob.digest);
            CHECK(layer->uncompressed_size == blob.size());
        } else {
            CHECK(layer->diff_id != layer->blob.digest);
        }
        // Same trees, same layer.
        std::optional<Layer> again = diff_trees(f.lower, f.upper, f.store, options);
        REQUIRE(again);
        CHECK(*again == *layer);
    }
}

TEST_CASE("no change writes no layer and leaves no blob behind", "[diff]") {
    DiffFixture f;
    CHECK_FALSE(diff_trees(f.lower, f.upper, f.store, LayerOptions{}));
    TempDir empty("/tmp", "mab-diff-empty-");
    CHECK_FALSE(diff_trees(std::nullopt, empty.path(), f.store, LayerOptions{}));
    CHECK(files_under(f.store.root()).empty());
}

TEST_CASE("a same-size rewrite keeping a nanosecond mtime is not seen", "[diff]") {
    // containerd's rule: only whole-second times are suspected of truncation.
    DiffFixture f;
    write_file(f.upper / "etc" / "same", "SAME");
    set_mtime(f.upper / "etc" / "same", 3000, 5);
    CHECK_FALSE(diff_trees(f.lower, f.upper, f.store, LayerOptions{}));
    set_mtime(f.upper / "etc" / "same", 3000, 6);
    std::optional<Layer> layer = diff_trees(f.lower, f.upper, f.store, LayerOptions{});
    REQUIRE(layer);
    CHECK(entry_names(read_tar(f.blob(*layer))) == std::vector<std::string>{"etc/", "etc/same"});
}

TEST_CASE("hardlinked files changed together become a hardlink entry", "[diff]") {
    DiffFixture f;
    write_file(f.upper / "hard1", "LINKED");  // in place: both names see it
    std::optional<Layer> layer = diff_trees(f.lower, f.upper, f.store, LayerOptions{});
    REQUIRE(layer);
    std::vector<TarEntry> entries = read_tar(f.blob(*layer));
    REQUIRE(entry_names(entries) == std::vector<std::string>{"hard1", "hard2"});
    CHECK(entries[0].data == "LINKED");
    CHECK(entries[1].type == 'h');
    CHECK(entries[1].link == "hard1");
}

TEST_CASE("SOURCE_DATE_EPOCH clamps entry and whiteout times", "[diff]") {
    DiffFixture f;
    f.change_upper();
    LayerOptions options;
    options.source_date_epoch = 2500;
    std::optional<Layer> layer = diff_trees(f.lower, f.upper, f.store, options);
    REQUIRE(layer);
    std::vector<TarEntry> entries = read_tar(f.blob(*layer));
    CHECK(find(entries, "etc/conf").mtime == 2000);
    CHECK(find(entries, "new").mtime == 2500);
    CHECK(find(entries, ".wh.gone").mtime == 2500);
}

TEST_CASE("lower layer + diff layer extracted reproduce the upper tree", "[diff]") {
    DiffFixture f;
    f.change_upper();
    std::optional<Layer> base_layer = diff_trees(std::nullopt, f.lower, f.store, LayerOptions{});
    REQUIRE(base_layer);
    std::optional<Layer> diff_layer = diff_trees(f.lower, f.upper, f.store, LayerOptions{});
    REQUIRE(diff_layer);

    fs::path rebuilt = f.base.path() / "rebuilt";
    make_dir(rebuilt);
    RootFs root(rebuilt);
    // Unprivileged, whiteouts (owned 0:0) cannot keep their owner; every other entry
    // is ours anyway.
    ExtractOptions options;
    if (!is_root()) options.chown = Ownership{static_cast<uint32_t>(::geteuid()), static_cast<uint32_t>(::getegid())};
    extract_tar(f.store.path_of(base_layer->blob.digest), root, "/", options);
    // Whole seconds in tars: compare without nanoseconds.
    DescribeOptions seconds;
    seconds.mtime_nsec = false;
    CHECK(describe_tree(rebuilt, seconds) == describe_tree(f.lower, seconds));

    extract_tar(f.store.path_of(diff_layer->blob.digest), root, "/", options);
    apply_whiteouts(rebuilt);
    CHECK(describe_tree(rebuilt, seconds) == describe_tree(f.upper, seconds));
}
