// Solver tests with tiny real ops: FileOps whose "work" is counted by a recording
// runner that builds refs from the op's text. No executor, snapshotter or files.
#include <catch2/catch.hpp>

#include <map>

#include "base/error.hpp"
#include "engine/solve/solver.hpp"

using namespace mab;
using namespace mab::engine;
using graph::FileOp;
using graph::MkfileAction;
using graph::State;
using graph::VertexMeta;

namespace {

// Each FileOp "runs" by recording its call and producing a ref whose rootfs names
// the inputs it saw; a MkfileAction with data "fail" throws.
class CountingRunner : public OpRunner {
public:
    Ref run(const graph::Vertex& vertex, const std::vector<Ref>& inputs, ProgressSink&) override {
        ++calls[vertex.meta().description];
        if (const auto* op = std::get_if<FileOp>(&vertex.op())) {
            for (const auto& action : op->actions)
                if (const auto* mk = std::get_if<MkfileAction>(&action); mk && mk->data == "fail")
                    throw Error(ErrorKind::input, "op failed on purpose");
        }
        std::string path = vertex.meta().description;
        for (const Ref& in : inputs) path += "(" + in.rootfs.string() + ")";
        return Ref{path, {}};
    }
    bool reports_progress(const graph::Vertex& vertex) const override {
        return std::holds_alternative<FileOp>(vertex.op());
    }
    std::map<std::string, int> calls;
};

FileOp mkfile(const std::string& path, const std::string& data = "x") {
    return FileOp{{MkfileAction{path, 0644, data, std::nullopt}}, 0};
}

} // namespace

TEST_CASE("equal vertices across platforms run once") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress);
    // Two "platforms" lower to the same ops but different descriptions: descriptions
    // are metadata and must not split the work.
    State a = State::scratch().file(mkfile("/a"), {}, VertexMeta{"amd64 step", {}});
    State b = State::scratch().file(mkfile("/a"), {}, VertexMeta{"arm64 step", {}});
    REQUIRE(a.vertex()->digest() == b.vertex()->digest());
    std::vector<Ref> refs = solver.solve({a.vertex(), b.vertex()});
    REQUIRE(refs.size() == 2);
    CHECK(refs[0].rootfs == refs[1].rootfs);
    CHECK(runner.calls["amd64 step"] == 1);
    CHECK(runner.calls.count("arm64 step") == 0);
    CHECK(solver.stats().executed == 1);
    CHECK(solver.stats().cached == 1);
}

TEST_CASE("only what the roots need runs") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress);
    State base = State::scratch().file(mkfile("/base"), {}, VertexMeta{"base", {}});
    State needed = base.file(mkfile("/needed"), {}, VertexMeta{"needed", {}});
    State unused = base.file(mkfile("/unused"), {}, VertexMeta{"unused", {}});
    (void)unused;
    solver.solve({needed.vertex()});
    CHECK(runner.calls["base"] == 1);
    CHECK(runner.calls["needed"] == 1);
    CHECK(runner.calls.count("unused") == 0);
}

TEST_CASE("inputs are solved before the vertex and passed in order") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress);
    State one = State::scratch().file(mkfile("/1"), {}, VertexMeta{"one", {}});
    State two = State::scratch().file(mkfile("/2"), {}, VertexMeta{"two", {}});
    State both = one.file(mkfile("/3"), {two}, VertexMeta{"both", {}});
    std::vector<Ref> refs = solver.solve({both.vertex()});
    // Scratch has no description, so it shows as "()".
    CHECK(refs[0].rootfs == "both(one())(two())");
}

TEST_CASE("a failing vertex reports its Dockerfile location and stops the solve") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress);
    SourceSpan span{"Dockerfile", 3, 4};
    State bad = State::scratch().file(mkfile("/bad", "fail"), {}, VertexMeta{"bad", span});
    State after = bad.file(mkfile("/after"), {}, VertexMeta{"after", {}});
    try {
        solver.solve({after.vertex()});
        FAIL("solve should have thrown");
    } catch (const Error& e) {
        REQUIRE(e.span());
        CHECK(e.span()->first_line == 3);
        CHECK(std::string(e.what()) == "op failed on purpose");
    }
    CHECK(runner.calls.count("after") == 0);
}
