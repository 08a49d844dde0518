#include "engine/solve/solver.hpp"

#include <chrono>

#include "base/error.hpp"

namespace mab::engine {

Solver::Solver(OpRunner& runner, ProgressSink& progress) : m_runner(runner), m_progress(progress) {}

std::vector<Ref> Solver::solve(const std::vector<graph::VertexRef>& roots) {
    std::vector<Ref> out;
    out.reserve(roots.size());
    for (const graph::VertexRef& root : roots) out.push_back(solve_vertex(root));
    return out;
}

const Ref& Solver::solve_vertex(const graph::VertexRef& vertex) {
    auto found = m_done.find(vertex->digest());
    if (found != m_done.end()) {
        // The same work was already asked for (another stage, target or platform).
        if (m_runner.reports_progress(*vertex)) {
            ++m_stats.cached;
            m_progress.cached({vertex->digest(), vertex->meta().description});
        }
        return found->second;
    }

    if (std::optional<Ref> hit = m_runner.cached(*vertex)) {
        if (m_runner.reports_progress(*vertex)) {
            ++m_stats.cached;
            m_progress.cached({vertex->digest(), vertex->meta().description});
        }
        return m_done.emplace(vertex->digest(), std::move(*hit)).first->second;
    }

    std::vector<Ref> inputs;
    inputs.reserve(vertex->inputs().size());
    for (const graph::VertexRef& input : vertex->inputs()) inputs.push_back(solve_vertex(input));

    const bool visible = m_runner.reports_progress(*vertex);
    const VertexInfo info{vertex->digest(), vertex->meta().description};
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&start] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (visible) m_progress.started(info);
    try {
        Ref ref = m_runner.run(*vertex, inputs, m_progress);
        if (visible) {
            ++m_stats.executed;
            m_progress.finished(info, elapsed());
        }
        return m_done.emplace(vertex->digest(), std::move(ref)).first->second;
    } catch (Error& e) {
        if (visible) m_progress.failed(info, elapsed(), e.what());
        if (vertex->meta().span) e.with_span_if_unset(*vertex->meta().span);
        throw;
    } catch (const std::exception& e) {
        if (visible) m_progress.failed(info, elapsed(), e.what());
        throw;
    }
}

} // namespace mab::engine
