#include "engine/solve/solver.hpp"

#include <sched.h>

#include <chrono>

#include "base/error.hpp"

namespace mab::engine {

// One distinct digest. `vertex` is the first request's (equal digests differ only in
// metadata such as descriptions); a vertex may appear in `inputs` twice.
struct Solver::Node {
    enum class State { waiting, queued, running, done, failed };

    graph::VertexRef vertex;
    std::vector<Node*> inputs;       // in the vertex's input order
    std::vector<Node*> dependents;   // one entry per edge
    size_t inputs_left = 0;          // edges to inputs not done yet
    int repeat_requests = 0;         // requests made while it was not done yet
    State state = State::waiting;
    Ref result;
};

namespace {

// The cores this process may run on (as `nproc` counts them: taskset and cpusets
// narrow it), else every online core.
int parallelism_or_cores(int requested) {
    if (requested > 0) return requested;
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) > 0) return CPU_COUNT(&allowed);
    const unsigned cores = std::thread::hardware_concurrency();
    return cores > 0 ? static_cast<int>(cores) : 1;
}

} // namespace

Solver::Solver(OpRunner& runner, ProgressSink& progress, SolveOptions options)
    : m_runner(runner), m_progress(progress), m_max_parallelism(parallelism_or_cores(options.max_parallelism)) {}

Solver::~Solver() {
    {
        std::lock_guard lock(m_mutex);
        m_shutdown = true;
    }
    m_work_ready.notify_all();
    for (std::thread& worker : m_workers) worker.join();
}

SolveStats Solver::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

std::vector<Ref> Solver::solve(const std::vector<graph::VertexRef>& roots) {
    std::unique_lock lock(m_mutex);
    if (m_first_error) std::rethrow_exception(m_first_error);
    // The pool never has more workers than vertices may run at once, so it is the bound.
    while (static_cast<int>(m_workers.size()) < m_max_parallelism) m_workers.emplace_back([this] { work(); });

    std::vector<Node*> wanted;
    wanted.reserve(roots.size());
    for (const graph::VertexRef& root : roots) wanted.push_back(request(root));
    m_work_ready.notify_all();

    auto all_done = [&wanted] {
        for (const Node* node : wanted)
            if (node->state != Node::State::done) return false;
        return true;
    };
    // After a failure, wait for the running vertices too: the caller may tear down what
    // they use (snapshots, the work directory) as soon as we throw.
    m_node_done.wait(lock, [&] { return all_done() || (m_first_error && m_running == 0); });
    if (!all_done()) std::rethrow_exception(m_first_error);

    std::vector<Ref> out;
    out.reserve(wanted.size());
    for (const Node* node : wanted) out.push_back(node->result);
    return out;
}

Solver::Node* Solver::request(const graph::VertexRef& vertex) {
    auto found = m_nodes.find(vertex->digest());
    if (found != m_nodes.end()) {
        // The same work was already asked for (another stage, target or platform).
        Node& node = *found->second;
        if (node.state == Node::State::done) {
            report_cached(node);
        } else {
            ++node.repeat_requests;  // reported when it is done
        }
        return &node;
    }

    Node& node = *m_nodes.emplace(vertex->digest(), std::make_unique<Node>()).first->second;
    node.vertex = vertex;
    // The persistent cache is asked before the inputs: a hit needs none of them. Asked
    // under m_mutex, as the whole walk is: the lookup is a key and a record read.
    if (std::optional<Ref> hit = m_runner.cached(*vertex)) {
        node.state = Node::State::done;
        node.result = std::move(*hit);
        report_steps_below_hit(*vertex);
        report_cached(node);
        return &node;
    }
    for (const graph::VertexRef& input_vertex : vertex->inputs()) {
        Node* input = request(input_vertex);
        node.inputs.push_back(input);
        if (input->state != Node::State::done) {
            input->dependents.push_back(&node);
            ++node.inputs_left;
        }
    }
    if (node.inputs_left == 0) {
        node.state = Node::State::queued;
        m_ready.push_back(&node);
    }
    return &node;
}

void Solver::report_steps_below_hit(const graph::Vertex& hit) {
    // As buildx shows them: every step the hit makes unnecessary is CACHED too, base
    // first. Only shown (the counters count what the solve used), and each step once.
    std::vector<const graph::Vertex*> order;
    std::vector<std::pair<const graph::Vertex*, size_t>> stack{{&hit, 0}};
    while (!stack.empty()) {
        auto& [vertex, next] = stack.back();
        if (next < vertex->inputs().size()) {
            const graph::Vertex* input = vertex->inputs()[next++].get();
            if (!m_nodes.count(input->digest()) && m_shown_below_hits.insert(input->digest()).second)
                stack.push_back({input, 0});
            continue;
        }
        if (vertex != &hit) order.push_back(vertex);
        stack.pop_back();
    }
    for (const graph::Vertex* vertex : order)
        if (m_runner.reports_progress(*vertex)) m_progress.cached({vertex->digest(), vertex->meta().description});
}

void Solver::report_cached(const Node& node) {
    if (!m_runner.reports_progress(*node.vertex)) return;
    ++m_stats.cached;
    m_progress.cached({node.vertex->digest(), node.vertex->meta().description});
}

void Solver::work() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        // After a failure nothing new starts; queued vertices stay queued.
        m_work_ready.wait(lock, [this] { return m_shutdown || (!m_ready.empty() && !m_first_error); });
        if (m_shutdown) return;
        Node& node = *m_ready.front();
        m_ready.pop_front();
        node.state = Node::State::running;
        ++m_running;
        lock.unlock();
        run_node(node);
        lock.lock();
    }
}

void Solver::run_node(Node& node) {
    const graph::Vertex& vertex = *node.vertex;
    std::vector<Ref> inputs;
    {
        // Done inputs never change again, but their results were written under the lock.
        std::lock_guard lock(m_mutex);
        inputs.reserve(node.inputs.size());
        for (const Node* input : node.inputs) inputs.push_back(input->result);
    }

    const bool visible = m_runner.reports_progress(vertex);
    const VertexInfo info{vertex.digest(), vertex.meta().description};
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&start] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    if (visible) m_progress.started(info);
    Ref result;
    std::exception_ptr error;
    try {
        result = m_runner.run(vertex, inputs, m_progress, m_stopping);
        if (visible) m_progress.finished(info, elapsed());
    } catch (Error& e) {
        if (vertex.meta().span) e.with_span_if_unset(*vertex.meta().span);
        error = std::current_exception();
        if (visible) {
            // A vertex stopped because another one failed is not the build's error.
            std::unique_lock lock(m_mutex);
            const bool stopped_for_other = e.kind() == ErrorKind::cancelled && m_first_error;
            lock.unlock();
            m_progress.failed(info, elapsed(), stopped_for_other ? "cancelled: another step failed" : e.what());
        }
    } catch (const std::exception& e) {
        error = std::current_exception();
        if (visible) m_progress.failed(info, elapsed(), e.what());
    } catch (...) {
        error = std::current_exception();
        if (visible) m_progress.failed(info, elapsed(), "unknown error");
    }

    std::unique_lock lock(m_mutex);
    --m_running;
    if (error) {
        node.state = Node::State::failed;
        if (!m_first_error) {
            m_first_error = error;
            m_stopping = true;
        }
    } else {
        node.state = Node::State::done;
        node.result = std::move(result);
        if (visible) ++m_stats.executed;
        for (; node.repeat_requests > 0; --node.repeat_requests) report_cached(node);
        for (Node* dependent : node.dependents) {
            if (--dependent->inputs_left == 0) {
                dependent->state = Node::State::queued;
                m_ready.push_back(dependent);
            }
        }
        node.dependents.clear();
    }
    lock.unlock();
    m_work_ready.notify_all();
    m_node_done.notify_all();
}

} // namespace mab::engine
