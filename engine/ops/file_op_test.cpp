// The Runner end to end: real snapshots, a real content store, layers read back with
// libarchive.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "engine/ops/runner.hpp"
#include "engine/ops/test_support.hpp"
#include "engine/solve/solver.hpp"
#include "snapshotter/native_snapshotter.hpp"

namespace fs = std::filesystem;
namespace g = mab::engine::graph;
namespace t = mab::engine::ops::test;
using mab::engine::Ref;

namespace {

struct Engine {
    mab::TempDir tmp{fs::temp_directory_path(), "mab-runner-"};
    fs::path ctx = tmp.path() / "ctx";
    mab::oci::ContentStore store{tmp.path() / "content"};
    mab::snapshotter::NativeSnapshotter snapshots{tmp.path() / "snapshots"};
    mab::engine::Runner runner{mab::engine::RunnerConfig{&store, &snapshots, {}, {{"context", ctx}}}};

    Engine() { t::make_dir(ctx); }

    Ref solve(const g::State& state) {
        mab::engine::NullProgress progress;
        mab::engine::Solver solver(runner, progress);
        return solver.solve({state.vertex()}).at(0);
    }
};

g::State context() { return g::State::local(g::LocalSource{"context", {}}); }

g::FileOp copy_op(const std::string& src, const std::string& dest, int64_t created_mtime = 0) {
    g::CopyAction a;
    a.src = src;
    a.dest = dest;
    a.dest_is_dir = dest.back() == '/';
    return g::FileOp{{a}, created_mtime};
}

g::VertexMeta meta(const std::string& description) {
    return g::VertexMeta{description, mab::SourceSpan{"Dockerfile", 3, 3}};
}

using t::can_chown;

// A context with fixed timestamps, so two engines see identical inputs.
void fill_context(const fs::path& ctx) {
    t::write_file(ctx / "a.txt", "alpha", 0644);
    t::write_file(ctx / "dir/b.txt", "beta", 0600);
    t::set_mtime(ctx / "a.txt", 1600000000, 111);
    t::set_mtime(ctx / "dir/b.txt", 1600000001, 222);
    t::set_mtime(ctx / "dir", 1600000002, 333);
}

} // namespace

TEST_CASE("Runner: scratch is an empty committed snapshot", "[runner]") {
    Engine e;
    Ref ref = e.solve(g::State::scratch());
    CHECK(fs::is_directory(ref.rootfs));
    CHECK(fs::is_empty(ref.rootfs));
    CHECK(ref.layers.empty());
    CHECK(e.snapshots.exists(ref.snapshot));
}

TEST_CASE("Runner: local sources are read in place", "[runner]") {
    Engine e;
    Ref ref = e.solve(context());
    CHECK(ref.rootfs == e.ctx);
    CHECK(ref.layers.empty());
    CHECK(ref.snapshot.empty());

    try {
        e.solve(g::State::local(g::LocalSource{"other", {}}));
        FAIL("no error");
    } catch (const mab::Error& err) {
        CHECK(err.kind() == mab::ErrorKind::input);
        CHECK_THAT(err.what(), Catch::Contains("\"other\""));
    }

    fs::remove_all(e.ctx);
    t::write_file(e.ctx, "not a directory");
    try {
        e.solve(context());
        FAIL("no error");
    } catch (const mab::Error& err) {
        CHECK(err.kind() == mab::ErrorKind::input);
        CHECK_THAT(err.what(), Catch::Contains("\"context\"") && Catch::Contains(e.ctx.string()));
    }
}

TEST_CASE("Runner: only file ops report progress", "[runner]") {
    Engine e;
    g::State copied = g::State::scratch().file(copy_op("a.txt", "/a"), {context()}, meta("COPY"));
    CHECK(e.runner.reports_progress(*copied.vertex()));
    CHECK_FALSE(e.runner.reports_progress(*context().vertex()));
    CHECK_FALSE(e.runner.reports_progress(*g::State::scratch().vertex()));
}

TEST_CASE("Runner: a COPY becomes one layer on top of its base's layers", "[runner]") {
    if (!can_chown()) return;
    Engine e;
    fill_context(e.ctx);
    g::State first = g::State::scratch().file(copy_op("a.txt", "/app/", 1700000000), {context()},
                                              meta("[1/2] COPY a.txt /app/"));
    g::State second = first.file(copy_op("dir", "/app/dir"), {context()}, meta("[2/2] COPY dir /app/dir"));
    Ref one = e.solve(first);
    Ref two = e.solve(second);

    REQUIRE(one.layers.size() == 1);
    CHECK(one.layers[0].vertex == first.vertex()->digest());
    CHECK(one.layers[0].description == "[1/2] COPY a.txt /app/");
    CHECK(e.store.has(one.layers[0].layer.blob.digest));
    CHECK(one.snapshot == std::string(first.vertex()->digest().hex()));
    // A copy onto scratch is written straight to its layer; its files come on demand.
    CHECK(one.lazy);
    CHECK_FALSE(two.lazy);
    Ref files = e.runner.materialize(one);
    CHECK(e.snapshots.exists(files.snapshot));
    CHECK(t::read_file(files.rootfs / "app/a.txt") == "alpha");
    CHECK(t::read_file(two.rootfs / "app/dir/b.txt") == "beta");

    std::vector<t::TarEntry> entries = t::read_layer(e.store, one.layers[0].layer);
    CHECK(t::entry_names(entries) == std::vector<std::string>{"app", "app/a.txt"});
    const t::TarEntry& app = t::entry_named(entries, "app");
    CHECK(app.type == 'd');
    CHECK(app.mode == 0755);
    CHECK(app.mtime == 1700000000);
    const t::TarEntry& a = t::entry_named(entries, "app/a.txt");
    CHECK(a.type == 'f');
    CHECK(a.data == "alpha");
    CHECK(a.mode == 0644);
    CHECK(a.uid == 0);
    CHECK(a.gid == 0);
    CHECK(a.mtime == 1600000000);

    REQUIRE(two.layers.size() == 2);
    CHECK(two.layers[0].layer == one.layers[0].layer);
    std::vector<t::TarEntry> top = t::read_layer(e.store, two.layers[1].layer);
    CHECK(t::entry_names(top) == std::vector<std::string>{"app", "app/dir", "app/dir/b.txt"});
    // /app existed below: its mtime is kept, so the entry is as before.
    CHECK(t::entry_named(top, "app").mtime == 1700000000);
    CHECK(t::entry_named(top, "app/dir").mtime == 0);  // created by the op
    CHECK(t::entry_named(top, "app/dir/b.txt").mode == 0600);
    // The lower snapshot is untouched.
    CHECK_FALSE(t::exists_nofollow(one.rootfs / "app/dir"));
}

TEST_CASE("Runner: the same file op gives the same layer digests", "[runner]") {
    if (!can_chown()) return;
    auto build = [](Engine& e) {
        fill_context(e.ctx);
        g::State base = g::State::scratch().file(copy_op("a.txt", "/app/"), {context()}, meta("one"));
        g::State top = base.file(copy_op("dir", "/app/"), {context()}, meta("two"));
        return e.solve(top);
    };
    Engine e1;
    Ref r1 = build(e1);
    // Tar headers hold whole seconds: let the clock move on, so that any "now" leaking
    // into the tree (a directory mtime bumped by adding entries) shows up.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    Engine e2;
    Ref r2 = build(e2);
    REQUIRE(r1.layers.size() == 2);
    REQUIRE(r2.layers.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
        CHECK(r1.layers[i].layer.diff_id == r2.layers[i].layer.diff_id);
        CHECK(r1.layers[i].layer.blob.digest == r2.layers[i].layer.blob.digest);
    }
    // Running the vertex again in the same state directory rebuilds it identically.
    Ref again = build(e1);
    CHECK(again.layers[1].layer == r1.layers[1].layer);
}

TEST_CASE("Runner: a file op that changes nothing adds no layer", "[runner]") {
    if (!can_chown()) return;
    Engine e;
    fill_context(e.ctx);
    g::State base = g::State::scratch().file(copy_op("a.txt", "/a.txt"), {context()}, meta("copy"));
    g::FileOp noop{{g::RmAction{"/not-there", true}, g::MkdirAction{"/", 0755, true, std::nullopt}}, 0};
    Ref ref = e.solve(base.file(noop, {}, meta("noop")));
    REQUIRE(ref.layers.size() == 1);
    CHECK(ref.layers[0].description == "copy");
    CHECK(e.solve(g::State::scratch().file(noop, {}, meta("noop"))).layers.empty());
}

TEST_CASE("Runner: errors name the source, carry the span and leave no snapshot", "[runner]") {
    if (!can_chown()) return;
    Engine e;
    fill_context(e.ctx);
    g::State failing = g::State::scratch().file(copy_op("missing.txt", "/x"), {context()},
                                                meta("COPY missing.txt /x"));
    try {
        e.solve(failing);
        FAIL("no error");
    } catch (const mab::Error& err) {
        CHECK(std::string(err.what()) == "COPY failed: \"/missing.txt\": not found in the build context");
        REQUIRE(err.span());
        CHECK(err.span()->first_line == 3);
    }
    const std::string key(failing.vertex()->digest().hex());
    CHECK_FALSE(e.snapshots.exists(key));
    CHECK_FALSE(fs::exists(e.snapshots.path(key)));

    // From another stage the message says "the source".
    g::State stage = g::State::scratch().file(copy_op("a.txt", "/a.txt"), {context()}, meta("stage"));
    g::State from_stage = g::State::scratch().file(copy_op("/nope", "/x"), {stage}, meta("COPY --from"));
    CHECK_THROWS_WITH(e.solve(from_stage), "COPY failed: \"/nope\": not found in the source");
}

TEST_CASE("Runner: --chown names resolve against the destination's /etc/passwd", "[runner]") {
    if (!can_chown()) return;
    Engine e;
    fill_context(e.ctx);
    g::FileOp accounts{{g::MkdirAction{"/etc", 0755, true, std::nullopt},
                        g::MkfileAction{"/etc/passwd", 0644, "app:x:1000:1000::/:/bin/sh\n", std::nullopt}},
                       0};
    g::State base = g::State::scratch().file(accounts, {}, meta("accounts"));
    g::FileOp copy = copy_op("a.txt", "/home/");
    std::get<g::CopyAction>(copy.actions[0]).chown = g::ChownSpec{"app", ""};
    Ref ref = e.solve(base.file(copy, {context()}, meta("COPY --chown=app")));
    REQUIRE(ref.layers.size() == 2);
    std::vector<t::TarEntry> entries = t::read_layer(e.store, ref.layers[1].layer);
    CHECK(t::entry_named(entries, "home").uid == 1000);
    CHECK(t::entry_named(entries, "home/a.txt").uid == 1000);
    CHECK(t::entry_named(entries, "home/a.txt").gid == 1000);
}
