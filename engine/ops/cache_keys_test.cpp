#include "engine/ops/cache_keys.hpp"

#include <catch2/catch.hpp>

#include "base/temp_dir.hpp"
#include "engine/ops/context_checksum.hpp"
#include "engine/ops/test_support.hpp"

using namespace mab::engine;
using namespace mab::engine::ops::test;

namespace {

struct Context {
    mab::TempDir dir{fs::temp_directory_path(), "mab-cache-keys"};
    fs::path root = dir.path() / "ctx";
    fs::path stat_dir = dir.path() / "stat";
    Context() {
        make_dir(root);
        make_dir(root / "src");
        write_file(root / "src" / "a.c", "int a;\n");
        write_file(root / "src" / "b.c", "int b;\n");
        write_file(root / "README", "readme\n");
    }
    mab::oci::Digest checksum(std::string_view src, const ops::ContextFilter* filter = nullptr) {
        ops::StatCache cache(stat_dir / "ctx");
        return ops::checksum_selection(root, filter, src, cache);
    }
};

// COPY <src> /dst/ from the context onto scratch.
graph::State copy_from_context(const std::string& src, std::vector<std::string> excludes = {}) {
    graph::State context = graph::State::local(graph::LocalSource{"context", std::move(excludes)});
    graph::FileOp op;
    op.actions.emplace_back(copy_action(src, "/dst/"));
    return graph::State::scratch().file(op, {context}, graph::VertexMeta{});
}

} // namespace

TEST_CASE("a selection's checksum follows contents, names and modes, not mtimes") {
    Context ctx;
    const auto before = ctx.checksum("/src");
    set_mtime(ctx.root / "src" / "a.c", 12345);
    CHECK(ctx.checksum("/src") == before);
    write_file(ctx.root / "README", "changed\n");
    CHECK(ctx.checksum("/src") == before);  // outside the selection
    write_file(ctx.root / "src" / "a.c", "int a = 1;\n");
    const auto changed = ctx.checksum("/src");
    CHECK(changed != before);
    fs::permissions(ctx.root / "src" / "a.c", fs::perms::owner_all);
    CHECK(ctx.checksum("/src") != changed);
    fs::rename(ctx.root / "src" / "b.c", ctx.root / "src" / "c.c");
    CHECK(ctx.checksum("/src/a.c") == ctx.checksum("/src/a.c"));
    CHECK(ctx.checksum("/src/missing") != ctx.checksum("/src/a.c"));
}

TEST_CASE("a wildcard checksums its directory, and a symlink in the path the whole source") {
    Context ctx;
    const auto star = ctx.checksum("/src/*.c");
    write_file(ctx.root / "src" / "b.c", "int b = 2;\n");
    CHECK(ctx.checksum("/src/*.c") != star);

    make_symlink("src", ctx.root / "link");
    const auto through_link = ctx.checksum("/link/a.c");
    write_file(ctx.root / "README", "changed\n");
    CHECK(ctx.checksum("/link/a.c") != through_link);
}

TEST_CASE("excluded files never change a checksum") {
    Context ctx;
    ops::ContextFilter filter({"src/b.c"});
    const auto before = ctx.checksum("/src", &filter);
    write_file(ctx.root / "src" / "b.c", "excluded but changed\n");
    CHECK(ctx.checksum("/src", &filter) == before);
    write_file(ctx.root / "src" / "a.c", "kept and changed\n");
    CHECK(ctx.checksum("/src", &filter) != before);
}

TEST_CASE("the stat cache answers for unchanged files and notices changed ones") {
    Context ctx;
    {
        ops::StatCache cache(ctx.stat_dir / "c");
        ops::checksum_selection(ctx.root, nullptr, "/", cache);
        cache.save();
    }
    REQUIRE(fs::exists(ctx.stat_dir / "c"));
    // Same size, content changed: the ctime/mtime differ, so it is hashed again.
    write_file(ctx.root / "src" / "a.c", "int x;\n");
    ops::StatCache reloaded(ctx.stat_dir / "c");
    ops::StatCache fresh(ctx.stat_dir / "none");
    CHECK(ops::checksum_selection(ctx.root, nullptr, "/", reloaded) ==
          ops::checksum_selection(ctx.root, nullptr, "/", fresh));
}

TEST_CASE("cache keys: content of what a COPY selects, the layer options, and sources without known content") {
    Context ctx;
    auto keys = [&](mab::snapshotter::LayerOptions options = {}) {
        return ops::CacheKeys({{"context", ctx.root}}, options, ctx.stat_dir);
    };
    graph::State copy = copy_from_context("/src");
    auto first = keys().key_of(*copy.vertex());
    REQUIRE(first);
    write_file(ctx.root / "README", "unrelated\n");
    CHECK(keys().key_of(*copy.vertex()) == first);
    write_file(ctx.root / "src" / "a.c", "int changed;\n");
    CHECK(keys().key_of(*copy.vertex()) != first);

    mab::snapshotter::LayerOptions zstd;
    zstd.compression = mab::oci::Compression::zstd;
    CHECK(keys(zstd).key_of(*copy.vertex()) != keys().key_of(*copy.vertex()));

    graph::State unpinned = graph::State::http(graph::HttpSource{"https://example.com/x", std::nullopt, "x"});
    graph::FileOp op;
    op.actions.emplace_back(copy_action("/x", "/x"));
    graph::State from_url = graph::State::scratch().file(op, {unpinned}, graph::VertexMeta{});
    CHECK_FALSE(keys().key_of(*from_url.vertex()));
    graph::State exec = from_url.exec(graph::ExecOp{{"true"}, {}, "/", "", mab::oci::Platform::host()}, {});
    CHECK_FALSE(keys().key_of(*exec.vertex()));
}

TEST_CASE("a RUN's bind mount of the context is keyed by the content of its source") {
    Context ctx;
    graph::State context = graph::State::local(graph::LocalSource{"context", {}});
    graph::ExecOp run{{"true"}, {}, "/", "", mab::oci::Platform::host()};
    graph::ExecMount bind;
    bind.type = graph::MountType::bind;
    bind.target = "/src";
    bind.input = 1;
    bind.source = "src";
    run.mounts.push_back(bind);
    graph::State exec = graph::State::scratch().exec(run, graph::VertexMeta{}, {context});
    auto keys = [&] { return ops::CacheKeys({{"context", ctx.root}}, {}, ctx.stat_dir); };
    auto first = keys().key_of(*exec.vertex());
    REQUIRE(first);
    write_file(ctx.root / "README", "outside the mount\n");
    CHECK(keys().key_of(*exec.vertex()) == first);
    write_file(ctx.root / "src" / "a.c", "inside the mount\n");
    CHECK(keys().key_of(*exec.vertex()) != first);
}
