#include <catch2/catch.hpp>

#include "engine/graph/vertex.hpp"

using namespace mab::engine::graph;

namespace {

FileOp copy_op(const std::string& src, const std::string& dest) {
    CopyAction copy;
    copy.src = src;
    copy.dest = dest;
    return FileOp{{copy}, 0};
}

} // namespace

TEST_CASE("vertex digests depend on semantic fields and inputs, not on metadata") {
    State context = State::local(LocalSource{"context", {}});
    State a = State::scratch().file(copy_op("a", "/a"), {context}, VertexMeta{"one", {}});
    State b = State::scratch().file(copy_op("a", "/a"), {context}, VertexMeta{"two", {}});
    CHECK(a.vertex()->digest() == b.vertex()->digest());

    State other_src = State::scratch().file(copy_op("b", "/a"), {context}, VertexMeta{});
    CHECK(other_src.vertex()->digest() != a.vertex()->digest());

    State other_base = a.file(copy_op("a", "/a"), {context}, VertexMeta{});
    CHECK(other_base.vertex()->digest() != a.vertex()->digest());

    FileOp chmod_op = copy_op("a", "/a");
    std::get<CopyAction>(chmod_op.actions[0]).chmod = 0755;
    State chmodded = State::scratch().file(chmod_op, {context}, VertexMeta{});
    CHECK(chmodded.vertex()->digest() != a.vertex()->digest());
}

TEST_CASE("a local source's digest changes with its exclude patterns, and so do its copies'") {
    State none = State::local(LocalSource{"context", {}});
    State logs = State::local(LocalSource{"context", {"*.log"}});
    State logs_kept = State::local(LocalSource{"context", {"*.log", "!keep.log"}});
    State other = State::local(LocalSource{"other", {"*.log"}});
    CHECK(none.vertex()->digest() != logs.vertex()->digest());
    CHECK(logs.vertex()->digest() != logs_kept.vertex()->digest());
    CHECK(logs.vertex()->digest() != other.vertex()->digest());
    CHECK(logs.vertex()->digest() == State::local(LocalSource{"context", {"*.log"}}).vertex()->digest());
    // Two patterns cannot read as one.
    CHECK(State::local(LocalSource{"context", {"a", "b"}}).vertex()->digest() !=
          State::local(LocalSource{"context", {"a\",\"b"}}).vertex()->digest());
    State copy_all = State::scratch().file(copy_op(".", "/"), {none}, VertexMeta{});
    State copy_kept = State::scratch().file(copy_op(".", "/"), {logs}, VertexMeta{});
    CHECK(copy_all.vertex()->digest() != copy_kept.vertex()->digest());
}

TEST_CASE("quoted fields cannot imitate each other") {
    // A src that contains the text of another field must not collide with it.
    State context = State::local(LocalSource{"context", {}});
    State tricky = State::scratch().file(copy_op("a\" dest=\"/x", "/a"), {context}, VertexMeta{});
    State plain = State::scratch().file(copy_op("a", "/x\" dest=\"/a"), {context}, VertexMeta{});
    CHECK(tricky.vertex()->digest() != plain.vertex()->digest());
}

TEST_CASE("dump_graph numbers vertices in dependency order and shares equal ones") {
    State context = State::local(LocalSource{"context", {}});
    State a = State::scratch().file(copy_op("a", "/a"), {context}, VertexMeta{"[stage-0 1/1] COPY a /a", {}});
    State b = State::scratch().file(copy_op("a", "/a"), {context}, VertexMeta{"[stage-0 1/1] COPY a /a", {}});
    std::string dump = dump_graph({a.vertex(), b.vertex()});
    CHECK(dump ==
          "v1 [] scratch\n"
          "v2 [] local(name=\"context\" excludes=[])\n"
          "v3 [v1 v2] file(dir_mtime=0 copy(input=1 src=\"a\" dest=\"/a\" dest_dir=false "
          "wildcard=true follow=true preserve_owner=false unpack=false chown=- chmod=-))\n"
          "   # [stage-0 1/1] COPY a /a\n"
          "roots: v3 v3\n");
}

TEST_CASE("a git source's digest covers its URL, ref, subdirectory and --keep-git-dir") {
    const GitSource base{"https://example.com/repo.git", "v1", "docs", false};
    const auto digest = [](const GitSource& s) { return State::git(s).vertex()->digest(); };
    CHECK(digest(base) == State::git(base, VertexMeta{"shown", {}}).vertex()->digest());
    CHECK(digest(base) != digest(GitSource{"https://example.com/other.git", "v1", "docs", false}));
    CHECK(digest(base) != digest(GitSource{"https://example.com/repo.git", "v2", "docs", false}));
    CHECK(digest(base) != digest(GitSource{"https://example.com/repo.git", "v1", "", false}));
    CHECK(digest(base) != digest(GitSource{"https://example.com/repo.git", "v1", "docs", true}));
    CHECK(describe_op(base) == "git(url=\"https://example.com/repo.git\" ref=\"v1\" subdir=\"docs\" keep_git_dir=false)");
}

TEST_CASE("an HTTP source's digest covers its URL, checksum and file name") {
    const std::string url = "https://example.com/a.tar.gz";
    mab::oci::Digest sum = mab::oci::sha256_of("a");
    State plain = State::http(HttpSource{url, std::nullopt, "a.tar.gz"}, VertexMeta{"one", {}});
    CHECK(plain.vertex()->digest() ==
          State::http(HttpSource{url, std::nullopt, "a.tar.gz"}, VertexMeta{"two", {}}).vertex()->digest());
    CHECK(plain.vertex()->digest() !=
          State::http(HttpSource{url + "x", std::nullopt, "a.tar.gz"}).vertex()->digest());
    CHECK(plain.vertex()->digest() != State::http(HttpSource{url, sum, "a.tar.gz"}).vertex()->digest());
    CHECK(State::http(HttpSource{url, sum, "a.tar.gz"}).vertex()->digest() !=
          State::http(HttpSource{url, mab::oci::sha256_of("b"), "a.tar.gz"}).vertex()->digest());
    CHECK(plain.vertex()->digest() != State::http(HttpSource{url, std::nullopt, "b"}).vertex()->digest());
    CHECK(describe_op(plain.vertex()->op()) ==
          "http(url=\"https://example.com/a.tar.gz\" checksum=- filename=\"a.tar.gz\")");
}

TEST_CASE("a merge's digest depends on its inputs and their order; the linked layer's does not depend on the base") {
    State context = State::local(LocalSource{"context", {}});
    State base_one = State::scratch().file(copy_op("one", "/one"), {context}, VertexMeta{});
    State base_two = State::scratch().file(copy_op("two", "/two"), {context}, VertexMeta{});
    State linked = State::scratch().file(copy_op("app", "/app/"), {context}, VertexMeta{"[1/2] COPY --link", {}});

    State on_one = base_one.merge({linked}, VertexMeta{"LINK", {}});
    State on_two = base_two.merge({linked}, VertexMeta{"LINK", {}});
    CHECK(on_one.vertex()->digest() != on_two.vertex()->digest());
    // The layer-making vertex is the same whatever the base: it is built once.
    CHECK(on_one.vertex()->inputs().at(1)->digest() == on_two.vertex()->inputs().at(1)->digest());
    CHECK(describe_op(on_one.vertex()->op()) == "merge");

    State swapped = linked.merge({base_one}, VertexMeta{});
    CHECK(swapped.vertex()->digest() != on_one.vertex()->digest());
}
