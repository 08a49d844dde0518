// The direct COPY-to-layer path against the snapshot path it replaces: for each case the
// same op runs both ways on the same trees (apply_file_op into an empty root, then the
// native differ; copy_to_layer straight from the source) and the layers must be the
// same bytes. Cases the direct path does not handle must step aside, writing nothing.
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/temp_dir.hpp"
#include "engine/ops/context_filter.hpp"
#include "engine/ops/copy_to_layer.hpp"
#include "engine/ops/file_op.hpp"
#include "engine/ops/test_support.hpp"
#include "snapshotter/tree_diff.hpp"

namespace fs = std::filesystem;
namespace g = mab::engine::graph;
namespace o = mab::engine::ops;
namespace t = mab::engine::ops::test;

namespace {

struct Both {
    Both() : store(tmp.path() / "store"), base(tmp.path() / "base") {
        t::make_dir(ctx);
        t::make_dir(root);
        t::make_dir(base);
    }
    mab::TempDir tmp{fs::temp_directory_path(), "mab-direct-copy-"};
    fs::path ctx = tmp.path() / "ctx";
    fs::path root = tmp.path() / "root";
    mab::oci::ContentStore store;
    fs::path base;  // stays empty: the direct path's base
    std::shared_ptr<const o::ContextFilter> filter;

    std::vector<o::FileOpInput> inputs(const fs::path& base_dir) const {
        o::FileOpInput context{ctx, "the build context"};
        context.filter = filter;
        context.ref_name = "context";
        context.filter_origin = ".dockerignore";
        context.local_source = true;
        return {{base_dir, "the base"}, context};
    }

    std::optional<mab::snapshotter::Layer> by_snapshot(const g::FileOp& op) {
        o::apply_file_op(op, root, inputs(root));
        return mab::snapshotter::diff_trees(std::nullopt, root, store, {});
    }

    std::optional<o::DirectCopyResult> direct(const g::FileOp& op) {
        return o::copy_to_layer(op, inputs(base), store, {});
    }

    // Runs `action` both ways and requires the same layer (or none from both).
    void check_same(const g::CopyAction& action, int64_t created_mtime = 1600000000) {
        g::FileOp op{{action}, created_mtime};
        std::optional<o::DirectCopyResult> direct_result = direct(op);
        REQUIRE(direct_result.has_value());
        std::optional<mab::snapshotter::Layer> snapshot_layer = by_snapshot(op);
        REQUIRE(direct_result->layer.has_value() == snapshot_layer.has_value());
        if (!snapshot_layer) return;
        if (direct_result->layer->diff_id != snapshot_layer->diff_id) {
            // Say which entries differ before failing.
            CHECK(t::entry_names(t::read_layer(store, *direct_result->layer)) ==
                  t::entry_names(t::read_layer(store, *snapshot_layer)));
        }
        CHECK(direct_result->layer->diff_id == snapshot_layer->diff_id);
        CHECK(direct_result->layer->blob.digest == snapshot_layer->blob.digest);
    }

    // A tree with what copies must carry over: modes (set-id too), mtimes, a hardlink
    // pair, relative and absolute symlinks, an empty and a private directory, long and
    // non-ASCII names.
    void make_rich_context() {
        t::write_file(ctx / "a" / "f1", "hello\n", 04755);
        REQUIRE(::link((ctx / "a" / "f1").c_str(), (ctx / "a" / "hard").c_str()) == 0);
        t::make_symlink("f1", ctx / "a" / "rel");
        t::make_symlink("/etc/passwd", ctx / "c" / "abs");
        t::make_dir(ctx / "a" / "b" / "empty");
        REQUIRE(::chmod((ctx / "a" / "b").c_str(), 0700) == 0);
        t::write_file(ctx / "c" / std::string(120, 'n'), std::string(300, 'x'));
        t::write_file(ctx / "c" / "donn\xc3\xa9" "es.txt", "caf\xc3\xa9\n", 0600);
        t::write_file(ctx / "c" / "build.log", "ignored\n");
        t::set_mtime(ctx / "a" / "f1", 1500000000, 5);
        t::set_mtime(ctx / "a" / "b", 1400000000);
        t::set_mtime(ctx / "a", 1300000000);
        t::set_mtime(ctx / "c" / "abs", 1200000000);
    }
};

g::CopyAction copy(const std::string& src, const std::string& dest) { return t::copy_action(src, dest); }

} // namespace

TEST_CASE("direct copy to a layer = snapshot path: a whole context", "[copy][direct]") {
    if (!t::can_chown()) return;
    for (const std::string dest : {"/ctx", "/", "/deep/er/dir/"}) {
        Both b;
        b.make_rich_context();
        INFO(dest);
        b.check_same(copy(".", dest));
    }
}

TEST_CASE("direct copy to a layer = snapshot path: files, symlinks, dest forms", "[copy][direct]") {
    if (!t::can_chown()) return;
    struct Case {
        std::string src, dest;
    };
    for (const Case& c : std::vector<Case>{{"a/f1", "/one"},
                                           {"a/f1", "/dir/"},
                                           {"a/f1", "/"},
                                           {"a/rel", "/x/"},  // followed: the file, named "rel"
                                           {"a/b/empty", "/e"},
                                           {"a", "/a/"},
                                           {"c", "/c"}}) {
        Both b;
        b.make_rich_context();
        INFO(c.src << " -> " << c.dest);
        b.check_same(copy(c.src, c.dest));
    }
    SECTION("a symlink not followed is copied as a symlink") {
        Both b;
        b.make_rich_context();
        g::CopyAction a = copy("a/rel", "/links/");
        a.follow_symlinks = false;
        b.check_same(a);
    }
}

TEST_CASE("direct copy to a layer = snapshot path: --chown, --chmod, owners kept", "[copy][direct]") {
    if (!t::can_chown()) return;
    {
        Both b;
        b.make_rich_context();
        g::CopyAction a = copy(".", "/app/");
        a.chown = g::ChownSpec{"1000", "1001"};
        a.chmod = 0640;
        b.check_same(a);
    }
    {
        Both b;
        b.make_rich_context();
        g::CopyAction a = copy("a", "/kept");
        REQUIRE(::lchown((b.ctx / "a" / "f1").c_str(), 123, 456) == 0);
        a.preserve_owner = true;  // COPY --from=stage
        b.check_same(a);
    }
    {
        Both b;
        b.make_rich_context();
        g::CopyAction a = copy("a/f1", "/u");
        a.chown = g::ChownSpec{"42", ""};  // numeric user alone: gid = uid
        b.check_same(a, 0);
    }
}

TEST_CASE("direct copy to a layer = snapshot path: .dockerignore and empty results", "[copy][direct]") {
    if (!t::can_chown()) return;
    {
        Both b;
        b.make_rich_context();
        b.filter = std::make_shared<const o::ContextFilter>(std::vector<std::string>{"*/*.log", "a/b", "!a/b/empty"});
        b.check_same(copy(".", "/ctx"));
    }
    {
        Both b;
        t::make_dir(b.ctx / "nothing");
        b.check_same(copy("nothing", "/"));  // no change: neither path writes a layer
    }
}

TEST_CASE("direct copy to a layer steps aside where the snapshot path is needed", "[copy][direct]") {
    Both b;
    b.make_rich_context();
    auto steps_aside = [&](const g::FileOp& op) {
        std::optional<o::DirectCopyResult> r = b.direct(op);
        CHECK_FALSE(r.has_value());
    };
    steps_aside(g::FileOp{{copy("a/*", "/w/")}, 0});                    // wildcard
    steps_aside(g::FileOp{{copy("missing", "/m")}, 0});                 // its error comes from the copy
    steps_aside(g::FileOp{{copy("a", "/x"), copy("c", "/y")}, 0});      // two actions
    g::CopyAction named = copy("a", "/n");
    named.chown = g::ChownSpec{"app", ""};
    steps_aside(g::FileOp{{named}, 0});                                 // a name needs /etc/passwd
    g::CopyAction archive = copy("a/f1", "/z");
    archive.unpack_archives = true;
    steps_aside(g::FileOp{{archive}, 0});                               // ADD
    REQUIRE(::mkfifo((b.ctx / "c" / "pipe").c_str(), 0600) == 0);
    steps_aside(g::FileOp{{copy("c", "/p")}, 0});                       // a FIFO: mknod in a snapshot
    REQUIRE(::unlink((b.ctx / "c" / "pipe").c_str()) == 0);
    if (::setxattr((b.ctx / "a" / "f1").c_str(), "user.note", "x", 1, 0) == 0) {
        steps_aside(g::FileOp{{copy("a", "/x")}, 0});                   // xattrs: the copy decides
    }
    t::write_file(b.base / "existing", "");
    steps_aside(g::FileOp{{copy("a", "/x")}, 0});                       // a base that is not empty
    // Nothing was committed by any of them.
    CHECK(b.store.list().empty());
}
