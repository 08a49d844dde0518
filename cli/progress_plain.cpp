#include "cli/progress_plain.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cli/progress_summary.hpp"

namespace mab::cli {

std::string plain_log_lines(int number, const std::vector<LogLine>& lines) {
    std::string out;
    for (const LogLine& line : lines) out += fmt::format("#{} {:.3f} {}\n", number, line.offset, line.text);
    return out;
}

void PlainRenderer::write(const std::string& text) {
    if (text.empty()) return;
    std::fwrite(text.data(), 1, text.size(), m_out);
    std::fflush(m_out);
}

void PlainRenderer::switch_to(const Step& step, std::string& out) {
    if (m_current == &step) return;
    if (m_current != nullptr && !m_current->completed()) out += fmt::format("#{} ...\n", m_current->number);
    if (m_printed_header) out += "\n";
    m_printed_header = true;
    out += fmt::format("#{} {}\n", step.number, step.name);
    m_current = &step;
}

void PlainRenderer::started(const Step& step) {
    std::string out;
    switch_to(step, out);
    write(out);
}

void PlainRenderer::cached(const Step& step) {
    std::string out;
    m_current = nullptr;  // a cached step always gets its own header
    switch_to(step, out);
    out += fmt::format("#{} CACHED\n", step.number);
    m_current = nullptr;
    write(out);
}

void PlainRenderer::output(const Step& step, std::string_view, WallTime, const std::vector<LogLine>& lines) {
    if (lines.empty()) return;
    std::string out;
    switch_to(step, out);
    out += plain_log_lines(step.number, lines);
    write(out);
}

void PlainRenderer::status(const Step& step, const std::string& text) {
    std::string out;
    switch_to(step, out);
    out += fmt::format("#{} {}\n", step.number, text);
    write(out);
}

void PlainRenderer::transfer(const Step& step, const Transfer& transfer) {
    const SteadyTime now = std::chrono::steady_clock::now();
    auto [it, first] = m_shown.try_emplace({step.number, transfer.id});
    Shown& shown = it->second;
    if (shown.completed) return;
    if (!first && !transfer.completed()) {
        const uint64_t moved = transfer.current - std::min(shown.current, transfer.current);
        const double fraction =
            transfer.total == 0 ? 0 : static_cast<double>(moved) / static_cast<double>(transfer.total);
        if (fraction < 0.05 && now - shown.at < std::chrono::seconds(5)) return;
    }
    shown = {transfer.current, now, transfer.completed()};
    std::string line = fmt::format("#{} {} {}", step.number, transfer.id, format_bytes(transfer.current));
    if (transfer.total != 0) line += " / " + format_bytes(transfer.total);
    const double seconds = std::chrono::duration<double>(now - transfer.started).count();
    if (seconds > 0.01) line += fmt::format(" {:.1f}s", seconds);
    if (transfer.completed()) line += " done";
    std::string out;
    switch_to(step, out);
    write(out + line + "\n");
}

void PlainRenderer::completed(const Step& step, const std::vector<LogLine>& flushed) {
    std::string out;
    switch_to(step, out);
    out += plain_log_lines(step.number, flushed);
    switch (step.state) {
    case StepState::done: out += fmt::format("#{} DONE {:.1f}s\n", step.number, step.seconds); break;
    case StepState::failed: out += fmt::format("#{} ERROR: {}\n", step.number, step.error); break;
    case StepState::canceled: out += fmt::format("#{} CANCELED\n", step.number); break;
    case StepState::cached: out += fmt::format("#{} CACHED\n", step.number); break;
    case StepState::running: break;
    }
    m_current = nullptr;
    write(out);
}

void PlainRenderer::note(std::string_view text) {
    std::string out;
    if (m_current != nullptr && !m_current->completed()) out += fmt::format("#{} ...\n", m_current->number);
    m_current = nullptr;
    out += fmt::format("{}\n", text);
    write(out);
}

void PlainRenderer::finish(const ProgressTrace& trace, bool) {
    const std::string summary = format_summary(trace);
    if (!summary.empty()) write("\n" + summary);
}

} // namespace mab::cli
