#include "cli/progress_trace.hpp"

#include <fmt/format.h>

namespace mab::cli {

std::string format_bytes(uint64_t bytes) {
    static const char* const k_units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    if (bytes < 1000) return fmt::format("{}B", bytes);
    double value = static_cast<double>(bytes);
    size_t unit = 0;
    while (value >= 1000 && unit + 1 < std::size(k_units)) {
        value /= 1000;
        ++unit;
    }
    return fmt::format("{:.2f}{}", value, k_units[unit]);
}

double Step::elapsed(SteadyTime now) const {
    if (completed()) return seconds;
    return std::chrono::duration<double>(now - started).count();
}

Step& ProgressTrace::step_for(const oci::Digest& digest, std::string_view name, bool& created) {
    auto found = m_by_digest.find(digest);
    created = found == m_by_digest.end();
    if (!created) return *found->second;
    auto step = std::make_unique<Step>();
    step->number = static_cast<int>(m_steps.size()) + 1;
    step->digest = digest;
    step->name = std::string(name);
    step->started = std::chrono::steady_clock::now();
    step->started_wall = std::chrono::system_clock::now();
    m_steps.push_back(std::move(step));
    m_by_digest.emplace(digest, m_steps.back().get());
    return *m_steps.back();
}

Step* ProgressTrace::find(const oci::Digest& digest) {
    auto found = m_by_digest.find(digest);
    return found == m_by_digest.end() ? nullptr : found->second;
}

std::vector<LogLine> append_output(Step& step, std::string_view text, double offset) {
    std::vector<LogLine> done;
    size_t start = 0;
    while (start < text.size()) {
        if (step.partial.empty()) step.partial_offset = offset;
        const size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            step.partial.append(text.substr(start));
            break;
        }
        step.partial.append(text.substr(start, end - start));
        done.push_back({step.partial_offset, std::move(step.partial)});
        step.partial.clear();
        start = end + 1;
    }
    step.lines.insert(step.lines.end(), done.begin(), done.end());
    return done;
}

std::vector<LogLine> flush_output(Step& step) {
    if (step.partial.empty()) return {};
    LogLine line{step.partial_offset, std::move(step.partial)};
    step.partial.clear();
    step.lines.push_back(line);
    return {line};
}

} // namespace mab::cli
