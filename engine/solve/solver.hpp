// The solver: evaluates the vertices that the requested roots need, each distinct
// digest once, inputs before the vertex. It knows nothing about what ops do: an
// OpRunner binds them (engine/ops), which keeps this testable with trivial ops.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/graph/vertex.hpp"
#include "engine/solve/progress.hpp"
#include "engine/solve/result.hpp"

namespace mab::engine {

class OpRunner {
public:
    virtual ~OpRunner() = default;
    // Runs one vertex whose inputs are solved (in the vertex's input order).
    virtual Ref run(const graph::Vertex& vertex, const std::vector<Ref>& inputs,
                    ProgressSink& progress) = 0;
    // Whether the vertex is worth a progress line (sources are not).
    virtual bool reports_progress(const graph::Vertex& vertex) const = 0;
    // The vertex's result from an earlier build (the persistent cache), asked before its
    // inputs are solved: a hit means they need not run at all.
    virtual std::optional<Ref> cached(const graph::Vertex& /*vertex*/) { return std::nullopt; }
};

struct SolveStats {
    int executed = 0;   // vertices run
    int cached = 0;     // vertices answered from this solve's earlier results or the cache
};

class Solver {
public:
    Solver(OpRunner& runner, ProgressSink& progress);

    // Solves every root; returns their refs in the same order. A failure in any vertex
    // throws (the first error, with the vertex's source span attached if it has one).
    std::vector<Ref> solve(const std::vector<graph::VertexRef>& roots);
    const SolveStats& stats() const { return m_stats; }

private:
    const Ref& solve_vertex(const graph::VertexRef& vertex);

    OpRunner& m_runner;
    ProgressSink& m_progress;
    std::map<oci::Digest, Ref> m_done;
    SolveStats m_stats;
};

} // namespace mab::engine
