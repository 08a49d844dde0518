#include "cli/progress_printer.hpp"

#include <fmt/format.h>

namespace mab::cli {

ProgressPrinter::ProgressPrinter(std::FILE* out, ProgressMode mode) : m_out(out), m_mode(mode) {}

int ProgressPrinter::number_for(const oci::Digest& digest) {
    auto [it, inserted] = m_numbers.emplace(digest, m_next);
    if (inserted) ++m_next;
    return it->second;
}

void ProgressPrinter::print(const std::string& line) {
    if (m_mode == ProgressMode::quiet) return;
    std::fputs(line.c_str(), m_out);
    std::fflush(m_out);
}

void ProgressPrinter::started(const engine::VertexInfo& vertex) {
    std::lock_guard lock(m_mutex);
    print(fmt::format("\n#{} {}\n", number_for(vertex.digest), vertex.description));
}

void ProgressPrinter::cached(const engine::VertexInfo& vertex) {
    std::lock_guard lock(m_mutex);
    int n = number_for(vertex.digest);
    print(fmt::format("\n#{} {}\n#{} CACHED\n", n, vertex.description, n));
}

void ProgressPrinter::finished(const engine::VertexInfo& vertex, double seconds) {
    std::lock_guard lock(m_mutex);
    print(fmt::format("#{} DONE {:.1f}s\n", number_for(vertex.digest), seconds));
}

void ProgressPrinter::failed(const engine::VertexInfo& vertex, double seconds, std::string_view message) {
    std::lock_guard lock(m_mutex);
    int n = number_for(vertex.digest);
    print(fmt::format("#{} ERROR: {}\n#{} FAILED {:.1f}s\n", n, message, n, seconds));
}

void ProgressPrinter::log(const engine::VertexInfo& vertex, std::string_view text) {
    std::lock_guard lock(m_mutex);
    int n = number_for(vertex.digest);
    std::string out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        out += fmt::format("#{} {}\n", n, text.substr(start, end - start));
        start = end + 1;
    }
    print(out);
}

void ProgressPrinter::note(std::string_view text) {
    std::lock_guard lock(m_mutex);
    print(fmt::format("{}\n", text));
}

int ProgressPrinter::begin_step(const std::string& description) {
    std::lock_guard lock(m_mutex);
    int n = m_next++;
    print(fmt::format("\n#{} {}\n", n, description));
    return n;
}

void ProgressPrinter::step_line(int step, const std::string& text) {
    std::lock_guard lock(m_mutex);
    print(fmt::format("#{} {}\n", step, text));
}

void ProgressPrinter::end_step(int step, double seconds) {
    std::lock_guard lock(m_mutex);
    print(fmt::format("#{} DONE {:.1f}s\n", step, seconds));
}

} // namespace mab::cli
