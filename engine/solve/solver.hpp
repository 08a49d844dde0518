// The solver: evaluates the vertices that the requested roots need, each distinct
// digest once, a vertex as soon as its inputs are done, on a pool of worker threads.
// It knows nothing about what ops do: an OpRunner binds them (engine/ops), which keeps
// this testable with trivial ops.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/graph/vertex.hpp"
#include "engine/solve/progress.hpp"
#include "engine/solve/result.hpp"

namespace mab::engine {

class OpRunner {
public:
    virtual ~OpRunner() = default;
    // Runs one vertex whose inputs are solved (in the vertex's input order). Called from
    // several worker threads at once, for distinct vertices. `stopping` turns true when
    // another vertex of the solve failed: the run may then end early by throwing
    // Error(cancelled) instead of finishing work nobody will use.
    virtual Ref run(const graph::Vertex& vertex, const std::vector<Ref>& inputs, ProgressSink& progress,
                    const std::atomic<bool>& stopping) = 0;
    // Whether the vertex is worth a progress line (sources are not).
    virtual bool reports_progress(const graph::Vertex& vertex) const = 0;
    // The vertex's result from an earlier build (the persistent cache), asked before its
    // inputs are solved: a hit means they need not run at all.
    virtual std::optional<Ref> cached(const graph::Vertex& /*vertex*/) { return std::nullopt; }
};

struct SolveStats {
    int executed = 0;   // vertices run
    int cached = 0;     // vertices answered from this solver's earlier results or the cache
};

struct SolveOptions {
    // How many vertices run at once; 0: the number of cores.
    int max_parallelism = 0;
};

class Solver {
public:
    Solver(OpRunner& runner, ProgressSink& progress, SolveOptions options = {});
    ~Solver();  // waits for the workers (none is running a vertex once solve() returned)
    Solver(const Solver&) = delete;
    Solver& operator=(const Solver&) = delete;

    // Solves every root; returns their refs in the same order. Results are kept for
    // later calls, and calls from several threads share work: a vertex another call is
    // running is waited for, not run again. A failure in any vertex stops starting new
    // ones, lets the running ones end (their `stopping` flag asks them to hurry), and
    // throws the first error, with the vertex's source span attached if it has one; every
    // call waiting then throws it, including later ones.
    std::vector<Ref> solve(const std::vector<graph::VertexRef>& roots);
    SolveStats stats() const;
    int max_parallelism() const { return m_max_parallelism; }

private:
    struct Node;

    // The node for `vertex`, created with its inputs' nodes (and queued once they are
    // done) if it is new. Holds m_mutex.
    Node* request(const graph::VertexRef& vertex);
    // Counts (and reports) a request for a vertex that another request already ran.
    void report_cached(const Node& node);
    // Shows the steps below a persistent-cache hit as CACHED (not counted). Holds m_mutex.
    void report_steps_below_hit(const graph::Vertex& hit);
    void work();
    // Runs the vertex and records its result or error; called without m_mutex.
    void run_node(Node& node);

    OpRunner& m_runner;
    ProgressSink& m_progress;
    const int m_max_parallelism;

    mutable std::mutex m_mutex;  // guards everything below
    std::condition_variable m_work_ready;  // workers: a vertex is queued, or shutdown
    std::condition_variable m_node_done;   // solve(): a vertex ended
    std::map<oci::Digest, std::unique_ptr<Node>> m_nodes;
    std::set<oci::Digest> m_shown_below_hits;  // steps shown CACHED under a cache hit
    std::deque<Node*> m_ready;   // inputs done, waiting for a worker
    int m_running = 0;           // vertices running now
    std::exception_ptr m_first_error;
    std::atomic<bool> m_stopping{false};  // set with m_first_error; read by running vertices
    bool m_shutdown = false;
    SolveStats m_stats;
    std::vector<std::thread> m_workers;  // started by the first solve()
};

} // namespace mab::engine
