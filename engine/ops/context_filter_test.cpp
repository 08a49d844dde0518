// Copies from a local source with exclude patterns (.dockerignore) on real trees: what
// BuildKit would not have transferred must not be copied, found by wildcards, or named
// without an error that says why.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/temp_dir.hpp"
#include "engine/ops/file_op.hpp"
#include "engine/ops/runner.hpp"
#include "engine/ops/test_support.hpp"
#include "engine/solve/solver.hpp"
#include "snapshotter/native_snapshotter.hpp"

namespace fs = std::filesystem;
namespace g = mab::engine::graph;
namespace t = mab::engine::ops::test;
using mab::engine::ops::ContextFilter;

namespace {

using t::can_chown;

struct Trees : t::CopyTrees {
    Trees() : CopyTrees("mab-filter-") {}

    void apply(const std::vector<std::string>& patterns, std::vector<g::FileAction> actions) {
        mab::engine::ops::FileOpInput context{ctx, "the build context"};
        context.filter = std::make_shared<const ContextFilter>(patterns);
        context.ref_name = "context";
        context.filter_origin = ".dockerignore";
        mab::engine::ops::apply_file_op(g::FileOp{std::move(actions), 0}, root, {{root, "the base"}, context});
    }

    std::string error_of(const std::vector<std::string>& patterns, std::vector<g::FileAction> actions,
                         std::string* hint = nullptr) {
        try {
            apply(patterns, std::move(actions));
        } catch (const mab::Error& e) {
            CHECK(e.kind() == mab::ErrorKind::input);
            if (hint) *hint = e.hint();
            return e.what();
        }
        return "(no error)";
    }

    // Every path below `dir`, relative, sorted ("a", "a/b").
    static std::string listing(const fs::path& dir) {
        std::vector<std::string> names;
        for (const fs::directory_entry& e : fs::recursive_directory_iterator(dir))
            names.push_back(e.path().lexically_relative(dir).string());
        std::sort(names.begin(), names.end());
        std::string out;
        for (const std::string& n : names) out += n + " ";
        return out;
    }
};

g::CopyAction copy(const std::string& src, const std::string& dest) { return t::copy_action(src, dest); }

// A context like a small project: sources, logs, a secret, docs, build output, VCS.
void fill_project(const fs::path& ctx) {
    t::write_file(ctx / "main.c", "int main;");
    t::write_file(ctx / "debug.log", "log");
    t::write_file(ctx / "src/util.c", "util");
    t::write_file(ctx / "src/trace.log", "log");
    t::write_file(ctx / "secret.env", "TOKEN=1");
    t::write_file(ctx / "docs/README.md", "readme");
    t::write_file(ctx / "docs/guide.md", "guide");
    t::write_file(ctx / "build/out.o", "obj");
    t::write_file(ctx / ".git/HEAD", "ref");
}

const std::vector<std::string> k_project_ignore = {"**/*.log", "secret.env", "docs", "!docs/README.md",
                                                   "build/**", ".git"};

} // namespace

TEST_CASE("COPY . copies only what .dockerignore leaves", "[copy][exclude]") {
    if (!can_chown()) return;
    Trees tr;
    fill_project(tr.ctx);
    tr.apply(k_project_ignore, {copy(".", "/app/")});
    // build/ stays (build/** matches only below it), docs/ stays for its exception.
    CHECK(Trees::listing(tr.root / "app") == "build docs docs/README.md main.c src src/util.c ");
}

TEST_CASE("wildcards never match excluded entries", "[copy][exclude]") {
    if (!can_chown()) return;
    Trees tr;
    fill_project(tr.ctx);
    tr.apply(k_project_ignore, {copy("*", "/w/"), copy("docs/*.md", "/md/"), copy("src/*", "/s/")});
    CHECK(Trees::listing(tr.root / "w") == "README.md main.c util.c ");
    CHECK(Trees::listing(tr.root / "md") == "README.md ");
    CHECK(Trees::listing(tr.root / "s") == "util.c ");
}

TEST_CASE("copying an excluded path fails in BuildKit's words and says why", "[copy][exclude]") {
    if (!can_chown()) return;
    Trees tr;
    fill_project(tr.ctx);
    std::string hint;
    CHECK(tr.error_of(k_project_ignore, {copy("secret.env", "/x")}, &hint) ==
          "failed to compute cache key: failed to calculate checksum of ref context: \"/secret.env\": not found");
    CHECK(hint == "\"/secret.env\" is in the build context but excluded by its .dockerignore; to copy it, remove "
                  "the pattern that matches it or add an exception: !secret.env");
    CHECK_THAT(tr.error_of(k_project_ignore, {copy("docs/guide.md", "/x")}), Catch::Contains("\"/docs/guide.md\": not found"));
    CHECK_THAT(tr.error_of(k_project_ignore, {copy(".git", "/x/")}), Catch::Contains("\"/.git\": not found"));
    // A wildcard that matches only excluded entries.
    CHECK_THAT(tr.error_of(k_project_ignore, {copy("*.log", "/x/")}),
               Catch::StartsWith("failed to compute cache key") && Catch::Contains("\"/*.log\": not found"));
    // A path that does not exist at all keeps the plain message.
    CHECK(tr.error_of(k_project_ignore, {copy("nope.txt", "/x")}) ==
          "COPY failed: \"/nope.txt\": not found in the build context");
    CHECK_FALSE(fs::exists(tr.root / "x"));
}

TEST_CASE("an excluded directory stays only for what an exception keeps", "[copy][exclude]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "docs/sub/keep.txt", "k");
    t::write_file(tr.ctx / "docs/sub/drop.txt", "d");
    t::write_file(tr.ctx / "docs/top.txt", "t");
    t::make_dir(tr.ctx / "docs/empty");
    // A wildcard exception: fsutil walks every excluded directory.
    tr.apply({"docs", "!**/keep.txt"}, {copy("docs", "/d/")});
    CHECK(Trees::listing(tr.root / "d") == "sub sub/keep.txt ");
    // A prefix exception that names nothing that exists keeps nothing.
    CHECK_THAT(tr.error_of({"docs", "!docs/missing.txt"}, {copy("docs", "/e/")}),
               Catch::Contains("\"/docs\": not found"));
    // Without a reason to look inside, an excluded directory is gone whole (moby's rule:
    // an exception below a directory excluded by a wildcard-free path is seen only
    // when its path starts with the directory's).
    CHECK_THAT(tr.error_of({"docs", "!sub/keep.txt"}, {copy("docs/sub/keep.txt", "/f")}),
               Catch::Contains("not found"));
}

TEST_CASE("symlinks do not reach around exclusions", "[copy][exclude]") {
    if (!can_chown()) return;
    Trees tr;
    t::write_file(tr.ctx / "private/key", "k");
    t::write_file(tr.ctx / "public.txt", "p");
    t::make_symlink("private/key", tr.ctx / "link-to-key");
    t::make_symlink("public.txt", tr.ctx / "hidden-link");
    CHECK_THAT(tr.error_of({"private"}, {copy("link-to-key", "/x")}), Catch::Contains("\"/link-to-key\": not found"));
    CHECK_THAT(tr.error_of({"hidden-link"}, {copy("hidden-link", "/x")}), Catch::Contains("\"/hidden-link\": not found"));
    tr.apply({"private"}, {copy(".", "/all/")});
    CHECK(Trees::listing(tr.root / "all") == "hidden-link link-to-key public.txt ");
    CHECK(fs::is_symlink(tr.root / "all/link-to-key"));  // copied as a link, its target not
}

TEST_CASE("Runner: a LocalSource's exclude patterns filter its copies and name the ignore file",
          "[runner][exclude]") {
    if (!can_chown()) return;
    mab::TempDir tmp{fs::temp_directory_path(), "mab-runner-filter-"};
    const fs::path ctx = tmp.path() / "ctx";
    fill_project(ctx);
    mab::oci::ContentStore store{tmp.path() / "content"};
    mab::snapshotter::NativeSnapshotter snapshots{tmp.path() / "snapshots"};
    mab::engine::RunnerConfig config{&store, &snapshots, {}, {{"context", ctx}}};
    config.exclude_origins["context"] = "sub/app.Dockerfile.dockerignore";
    mab::engine::Runner runner(config);
    mab::engine::NullProgress progress;

    const g::State context = g::State::local(g::LocalSource{"context", k_project_ignore});
    g::FileOp all{{copy(".", "/")}, 0};
    mab::engine::Solver solver(runner, progress);
    mab::engine::Ref ref = solver.solve({g::State::scratch().file(all, {context}, g::VertexMeta{"COPY . /", std::nullopt}).vertex()}).at(0);
    CHECK(Trees::listing(runner.materialize(ref).rootfs) == "build docs docs/README.md main.c src src/util.c ");

    g::FileOp secret{{copy("secret.env", "/")}, 0};
    mab::engine::Solver again(runner, progress);
    try {
        again.solve({g::State::scratch().file(secret, {context}, g::VertexMeta{"COPY secret.env /", std::nullopt}).vertex()});
        FAIL("no error");
    } catch (const mab::Error& e) {
        CHECK_THAT(e.what(), Catch::EndsWith("\"/secret.env\": not found"));
        CHECK_THAT(e.hint(), Catch::Contains("excluded by its sub/app.Dockerfile.dockerignore"));
    }

    // A malformed pattern fails when the source is loaded, before any copy.
    mab::engine::Solver bad(runner, progress);
    CHECK_THROWS_WITH(bad.solve({g::State::local(g::LocalSource{"context", {"a["}}).vertex()}),
                      "invalid exclude pattern \"a[\": syntax error in pattern");
}
