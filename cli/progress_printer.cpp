#include "cli/progress_printer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>

#include "cli/progress_plain.hpp"
#include "cli/progress_rawjson.hpp"
#include "cli/progress_tty.hpp"

namespace mab::cli {

namespace {

std::unique_ptr<ProgressRenderer> renderer_for(std::FILE* out, ProgressMode mode) {
    switch (mode) {
    case ProgressMode::plain: return std::make_unique<PlainRenderer>(out);
    case ProgressMode::tty: return std::make_unique<TtyRenderer>(out);
    case ProgressMode::rawjson: return std::make_unique<RawJsonRenderer>(out);
    case ProgressMode::quiet: return nullptr;
    case ProgressMode::automatic: return std::make_unique<PlainRenderer>(out);
    }
    return nullptr;
}

double seconds_since(SteadyTime start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

ProgressPrinter::ProgressPrinter(std::FILE* out, ProgressMode mode) : ProgressPrinter(renderer_for(out, mode)) {}

ProgressPrinter::ProgressPrinter(std::unique_ptr<ProgressRenderer> renderer) : m_renderer(std::move(renderer)) {
    if (m_renderer && m_renderer->wants_ticks()) m_ticker = std::thread([this] { run_ticker(); });
}

ProgressPrinter::~ProgressPrinter() {
    try {
        finish(std::uncaught_exceptions() > 0);
    } catch (const std::exception&) {
        // Nothing more can be shown; never let output trouble end the process here.
    }
}

void ProgressPrinter::run_ticker() {
    std::unique_lock lock(m_mutex);
    while (!m_finished) {
        m_wake.wait_for(lock, std::chrono::milliseconds(100));
        if (!m_finished) m_renderer->tick(m_trace);
    }
}

void ProgressPrinter::finish(bool failed) {
    {
        std::lock_guard lock(m_mutex);
        if (m_finished) return;
        m_finished = true;
    }
    m_wake.notify_all();
    if (m_ticker.joinable()) m_ticker.join();
    std::lock_guard lock(m_mutex);
    // Steps still open when the build stops were cut short (a failure elsewhere).
    for (const std::unique_ptr<Step>& step : m_trace.steps())
        if (!step->completed()) complete_locked(*step, StepState::canceled, seconds_since(step->started), "");
    if (m_renderer) m_renderer->finish(m_trace, failed);
}

Step& ProgressPrinter::step_locked(const engine::VertexInfo& vertex) {
    bool created = false;
    Step& step = m_trace.step_for(vertex.digest, vertex.description, created);
    if (!vertex.platform.empty()) {
        step.platform = vertex.platform;
        step.emulated = vertex.emulated;
    }
    return step;
}

void ProgressPrinter::started(const engine::VertexInfo& vertex) {
    std::lock_guard lock(m_mutex);
    if (m_finished) return;
    Step& step = step_locked(vertex);
    step.state = StepState::running;
    if (m_renderer) m_renderer->started(step);
}

void ProgressPrinter::cached(const engine::VertexInfo& vertex) {
    std::lock_guard lock(m_mutex);
    if (m_finished) return;
    bool created = false;
    Step& step = m_trace.step_for(vertex.digest, vertex.description, created);
    // A vertex seen earlier keeps its record (and its time for the summary).
    if (created) {
        step.state = StepState::cached;
        step.completed_wall = step.started_wall;
    }
    if (m_renderer) m_renderer->cached(step);
}

void ProgressPrinter::complete_locked(Step& step, StepState state, double seconds, std::string_view message) {
    std::vector<LogLine> flushed = flush_output(step);
    step.state = state;
    step.seconds = seconds;
    step.error = std::string(message);
    step.completed_wall = std::chrono::system_clock::now();
    if (m_renderer) m_renderer->completed(step, flushed);
}

void ProgressPrinter::finished(const engine::VertexInfo& vertex, double seconds) {
    std::lock_guard lock(m_mutex);
    if (m_finished) return;
    complete_locked(step_locked(vertex), StepState::done, seconds, "");
}

void ProgressPrinter::failed(const engine::VertexInfo& vertex, double seconds, std::string_view message) {
    std::lock_guard lock(m_mutex);
    if (m_finished) return;
    complete_locked(step_locked(vertex), StepState::failed, seconds, message);
}

void ProgressPrinter::log(const engine::VertexInfo& vertex, std::string_view text) {
    std::lock_guard lock(m_mutex);
    if (m_finished) return;
    Step& step = step_locked(vertex);
    std::vector<LogLine> lines = append_output(step, text, seconds_since(step.started));
    if (m_renderer) m_renderer->output(step, text, std::chrono::system_clock::now(), lines);
}

void ProgressPrinter::placed(const engine::VertexInfo& vertex) {
    std::lock_guard lock(m_mutex);
    if (m_finished) return;
    step_locked(vertex);
}

void ProgressPrinter::transfer(const engine::VertexInfo& vertex, const engine::TransferProgress& status) {
    std::lock_guard lock(m_mutex);
    if (m_finished) return;
    transfer_locked(step_locked(vertex), status);
}

void ProgressPrinter::step_transfer(int number, const engine::TransferProgress& status) {
    std::lock_guard lock(m_mutex);
    if (Step* step = cli_step(number)) transfer_locked(*step, status);
}

void ProgressPrinter::transfer_locked(Step& step, const engine::TransferProgress& status) {
    const SteadyTime now = std::chrono::steady_clock::now();
    auto found = std::find_if(step.transfers.begin(), step.transfers.end(),
                              [&](const Transfer& t) { return t.id == status.id; });
    const bool first = found == step.transfers.end();
    if (first) {
        Transfer fresh;
        fresh.id = status.id;
        fresh.started = now;
        fresh.started_wall = std::chrono::system_clock::now();
        step.transfers.push_back(fresh);
        found = step.transfers.end() - 1;
    }
    Transfer& t = *found;
    const bool was_complete = t.completed();
    t.current = status.current;
    t.total = status.total;
    // Curl hands over a few kB at a time: pass on the first, the last and ten a second.
    const bool due = first || (t.completed() && !was_complete) || now - t.updated >= std::chrono::milliseconds(100);
    if (!due) return;
    t.updated = now;
    if (m_renderer) m_renderer->transfer(step, t);
}

void ProgressPrinter::note(std::string_view text) {
    std::lock_guard lock(m_mutex);
    if (m_finished) return;
    if (m_renderer) m_renderer->note(text);
}

Step* ProgressPrinter::cli_step(int number) {
    if (m_finished || number < 1 || static_cast<size_t>(number) > m_trace.steps().size()) return nullptr;
    return m_trace.steps()[static_cast<size_t>(number) - 1].get();
}

int ProgressPrinter::begin_step(const std::string& description) {
    std::lock_guard lock(m_mutex);
    // CLI steps have no vertex; a digest of their number and name stands in for one
    // (rawjson needs one, as BuildKit gives its internal steps).
    const oci::Digest digest =
        oci::sha256_of(fmt::format("mab cli step {} {}", m_trace.steps().size() + 1, description));
    bool created = false;
    Step& step = m_trace.step_for(digest, description, created);
    if (!m_finished && m_renderer) m_renderer->started(step);
    return step.number;
}

void ProgressPrinter::step_line(int number, const std::string& text) {
    std::lock_guard lock(m_mutex);
    Step* step = cli_step(number);
    if (step == nullptr) return;
    step->statuses.push_back(text);
    if (m_renderer) m_renderer->status(*step, text);
}

void ProgressPrinter::end_step(int number, double seconds) {
    std::lock_guard lock(m_mutex);
    if (Step* step = cli_step(number)) complete_locked(*step, StepState::done, seconds, "");
}

void ProgressPrinter::fail_step(int number, double seconds, std::string_view message) {
    std::lock_guard lock(m_mutex);
    if (Step* step = cli_step(number)) complete_locked(*step, StepState::failed, seconds, message);
}

} // namespace mab::cli
