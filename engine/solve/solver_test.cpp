// Solver tests with tiny real ops: FileOps whose "work" is counted by a recording
// runner that builds refs from the op's text. No executor, snapshotter or files.
// Concurrency is shown with gates that only open when two vertices really run at the
// same time, each with a generous timeout that fails the test instead of hanging it.
#include <catch2/catch.hpp>

#include <sched.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/error.hpp"
#include "engine/solve/solver.hpp"

using namespace mab;
using namespace mab::engine;
using graph::FileOp;
using graph::MkfileAction;
using graph::State;
using graph::VertexMeta;

namespace {

constexpr std::chrono::seconds k_patience{30};  // far beyond any real wait: a timeout is a failure

// Each FileOp "runs" by recording its call and producing a ref whose rootfs names the
// inputs it saw; a MkfileAction with data "fail" throws. A hook registered for a
// description runs first (it may block, or throw). Thread-safe.
class CountingRunner : public OpRunner {
public:
    Ref run(const graph::Vertex& vertex, const std::vector<Ref>& inputs, ProgressSink&,
            const std::atomic<bool>& stopping) override {
        const std::string& name = vertex.meta().description;
        std::function<void(const std::atomic<bool>&)> hook;
        {
            std::lock_guard lock(m_mutex);
            ++m_calls[name];
            if (auto found = hooks.find(name); found != hooks.end()) hook = found->second;
        }
        if (hook) hook(stopping);
        if (const auto* op = std::get_if<FileOp>(&vertex.op())) {
            for (const auto& action : op->actions)
                if (const auto* mk = std::get_if<MkfileAction>(&action); mk && mk->data == "fail")
                    throw Error(ErrorKind::input, "op failed on purpose");
        }
        std::string path = name;
        for (const Ref& in : inputs) path += "(" + in.rootfs.string() + ")";
        return Ref{path, {}};
    }
    bool reports_progress(const graph::Vertex& vertex) const override {
        return std::holds_alternative<FileOp>(vertex.op());
    }
    std::optional<Ref> cached(const graph::Vertex& vertex) override {
        if (hits.count(vertex.meta().description) == 0) return std::nullopt;
        return Ref{"cached " + vertex.meta().description, {}};
    }
    int calls(const std::string& name) {
        std::lock_guard lock(m_mutex);
        auto found = m_calls.find(name);
        return found == m_calls.end() ? 0 : found->second;
    }
    // Waits (up to k_patience) until `ready()` holds, under the runner's lock; false on timeout.
    bool wait_for(const std::function<bool()>& ready) {
        std::unique_lock lock(m_mutex);
        return changed.wait_for(lock, k_patience, ready);
    }
    void update(const std::function<void()>& change) {
        std::lock_guard lock(m_mutex);
        change();
        changed.notify_all();
    }

    std::set<std::string> hits;  // descriptions the persistent cache answers
    // Set before solving; a hook gets the solve's `stopping` flag.
    std::map<std::string, std::function<void(const std::atomic<bool>&)>> hooks;
    std::condition_variable changed;

private:
    std::mutex m_mutex;
    std::map<std::string, int> m_calls;
};

// Records the failure messages the solver reports.
class RecordingProgress : public NullProgress {
public:
    void failed(const VertexInfo& vertex, double, std::string_view message) override {
        std::lock_guard lock(m_mutex);
        failures[vertex.description] = std::string(message);
    }
    std::map<std::string, std::string> failures;

private:
    std::mutex m_mutex;
};

FileOp mkfile(const std::string& path, const std::string& data = "x") {
    return FileOp{{MkfileAction{path, 0644, data, std::nullopt}}, 0};
}

State step(const State& base, const std::string& name, const std::string& data = "x") {
    return base.file(mkfile("/" + name, data), {}, VertexMeta{name, {}});
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
    CHECK(runner.calls("amd64 step") == 1);
    CHECK(runner.calls("arm64 step") == 0);
    CHECK(solver.stats().executed == 1);
    CHECK(solver.stats().cached == 1);
}

TEST_CASE("only what the roots need runs") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress);
    State base = step(State::scratch(), "base");
    State needed = step(base, "needed");
    State unused = step(base, "unused");
    (void)unused;
    solver.solve({needed.vertex()});
    CHECK(runner.calls("base") == 1);
    CHECK(runner.calls("needed") == 1);
    CHECK(runner.calls("unused") == 0);
}

TEST_CASE("inputs are solved before the vertex and passed in order") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress);
    State one = step(State::scratch(), "one");
    State two = step(State::scratch(), "two");
    State both = one.file(mkfile("/3"), {two}, VertexMeta{"both", {}});
    std::vector<Ref> refs = solver.solve({both.vertex()});
    // Scratch has no description, so it shows as "()".
    CHECK(refs[0].rootfs == "both(one())(two())");
}

TEST_CASE("independent vertices run at the same time") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress, SolveOptions{2});
    // Each of the two waits until both have started: only possible if they overlap.
    int started = 0;
    bool overlapped = true;
    for (const char* name : {"left", "right"}) {
        runner.hooks[name] = [&](const std::atomic<bool>&) {
            runner.update([&] { ++started; });
            if (!runner.wait_for([&] { return started == 2; })) overlapped = false;
        };
    }
    State left = step(State::scratch(), "left");
    State right = step(State::scratch(), "right");
    State joined = left.file(mkfile("/j"), {right}, VertexMeta{"joined", {}});
    std::vector<Ref> refs = solver.solve({joined.vertex()});
    CHECK(overlapped);
    CHECK(refs[0].rootfs == "joined(left())(right())");
}

TEST_CASE("never more vertices run at once than max_parallelism") {
    const int limit = GENERATE(1, 2, 3);
    CAPTURE(limit);
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress, SolveOptions{limit});
    CHECK(solver.max_parallelism() == limit);
    int running = 0;
    int most = 0;
    std::vector<graph::VertexRef> roots;
    for (int i = 0; i < 8; ++i) {
        const std::string name = "v" + std::to_string(i);
        // Stay until `limit` run together (so the bound is reached) or a sibling too many
        // shows up; either way at most a short while.
        runner.hooks[name] = [&](const std::atomic<bool>&) {
            runner.update([&] { most = std::max(most, ++running); });
            runner.wait_for([&] { return most >= limit; });
            runner.update([&] { --running; });
        };
        roots.push_back(step(State::scratch(), name).vertex());
    }
    solver.solve(roots);
    CHECK(most == limit);
    for (int i = 0; i < 8; ++i) CHECK(runner.calls("v" + std::to_string(i)) == 1);
}

TEST_CASE("the default parallelism is the number of cores this process may use") {
    CountingRunner runner;
    NullProgress progress;
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    REQUIRE(::sched_getaffinity(0, sizeof allowed, &allowed) == 0);
    CHECK(Solver(runner, progress).max_parallelism() == CPU_COUNT(&allowed));
}

TEST_CASE("a vertex several parents need runs once, before all of them") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress, SolveOptions{4});
    State shared = step(State::scratch(), "shared");
    State a = step(shared, "a");
    State b = step(shared, "b");
    State c = step(shared, "c");
    State all = a.file(mkfile("/all"), {b, c}, VertexMeta{"all", {}});
    std::vector<Ref> refs = solver.solve({all.vertex(), shared.vertex()});
    CHECK(refs[0].rootfs == "all(a(shared()))(b(shared()))(c(shared()))");
    CHECK(refs[1].rootfs == "shared()");
    CHECK(runner.calls("shared") == 1);
    CHECK(solver.stats().executed == 5);
    CHECK(solver.stats().cached == 3);  // asked for by b, c and the second root
}

TEST_CASE("a vertex another solve() is running is waited for, not run again") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress, SolveOptions{2});
    bool shared_started = false;
    bool release = false;
    runner.hooks["shared"] = [&](const std::atomic<bool>&) {
        runner.update([&] { shared_started = true; });
        runner.wait_for([&] { return release; });
    };
    State shared = step(State::scratch(), "shared");
    State a = step(shared, "a");
    State b = step(shared, "b");
    std::vector<Ref> first;
    std::thread one([&] { first = solver.solve({a.vertex()}); });
    REQUIRE(runner.wait_for([&] { return shared_started; }));
    std::vector<Ref> second;
    std::thread two([&] { second = solver.solve({b.vertex()}); });
    // Give the second call time to ask for `shared` while it runs (it is run once
    // whichever way this goes).
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    runner.update([&] { release = true; });
    one.join();
    two.join();
    CHECK(runner.calls("shared") == 1);
    CHECK(first.at(0).rootfs == "a(shared())");
    CHECK(second.at(0).rootfs == "b(shared())");
}

TEST_CASE("a failing vertex reports its Dockerfile location and stops the solve") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress);
    SourceSpan span{"Dockerfile", 3, 4};
    State bad = State::scratch().file(mkfile("/bad", "fail"), {}, VertexMeta{"bad", span});
    State after = step(bad, "after");
    try {
        solver.solve({after.vertex()});
        FAIL("solve should have thrown");
    } catch (const Error& e) {
        REQUIRE(e.span());
        CHECK(e.span()->first_line == 3);
        CHECK(std::string(e.what()) == "op failed on purpose");
    }
    CHECK(runner.calls("after") == 0);
}

TEST_CASE("a failure starts nothing new, stops what runs and reaches every caller") {
    CountingRunner runner;
    RecordingProgress progress;
    Solver solver(runner, progress, SolveOptions{2});
    bool slow_started = false;
    bool slow_was_stopped = false;
    // `bad` fails only once `slow` runs beside it; `slow` then waits to be told to stop.
    runner.hooks["bad"] = [&](const std::atomic<bool>&) { runner.wait_for([&] { return slow_started; }); };
    runner.hooks["slow"] = [&](const std::atomic<bool>& stopping) {
        runner.update([&] { slow_started = true; });
        // Polled, as the engine's runner polls it during a RUN.
        const auto deadline = std::chrono::steady_clock::now() + k_patience;
        while (!stopping && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        slow_was_stopped = stopping;
        throw Error(ErrorKind::cancelled, "build cancelled");
    };
    SourceSpan span{"Dockerfile", 7, 7};
    State bad = State::scratch().file(mkfile("/bad", "fail"), {}, VertexMeta{"bad", span});
    State after_bad = step(bad, "after bad");
    State slow = step(State::scratch(), "slow");
    State after_slow = step(slow, "after slow");
    State queued = step(State::scratch(), "queued");
    auto first_error_of = [&solver](const std::vector<graph::VertexRef>& roots) -> std::string {
        try {
            solver.solve(roots);
        } catch (const Error& e) {
            return fmt::format("{} at line {}", e.what(), e.span() ? e.span()->first_line : 0);
        }
        return "no error";
    };
    CHECK(first_error_of({after_bad.vertex(), after_slow.vertex(), queued.vertex()}) ==
          "op failed on purpose at line 7");
    CHECK(slow_was_stopped);
    CHECK(runner.calls("after bad") == 0);
    CHECK(runner.calls("after slow") == 0);
    CHECK(runner.calls("queued") == 0);
    CHECK(progress.failures["bad"] == "op failed on purpose");
    CHECK(progress.failures["slow"] == "cancelled: another step failed");
    // A later call gets the same first error and runs nothing.
    CHECK(first_error_of({step(State::scratch(), "fresh").vertex()}) == "op failed on purpose at line 7");
    CHECK(runner.calls("fresh") == 0);
}

TEST_CASE("a persistent cache hit runs neither the vertex nor its inputs") {
    CountingRunner runner;
    NullProgress progress;
    Solver solver(runner, progress, SolveOptions{2});
    runner.hits = {"middle"};
    State base = step(State::scratch(), "base");
    State middle = step(base, "middle");
    State top = step(middle, "top");
    State other = step(base, "other");
    std::vector<Ref> refs = solver.solve({top.vertex(), other.vertex()});
    CHECK(refs[0].rootfs == "top(cached middle)");
    CHECK(refs[1].rootfs == "other(base())");
    CHECK(runner.calls("middle") == 0);
    CHECK(runner.calls("base") == 1);  // only `other` needs it
    CHECK(solver.stats().executed == 3);
    CHECK(solver.stats().cached == 1);
}
