#include "exporter/write_meter.hpp"

#include <utility>

namespace mab::exporter {

WriteMeter::WriteMeter(OutputProgress report, std::string what, std::optional<uint64_t> total,
                       std::chrono::milliseconds every)
    : m_report(std::move(report)), m_what(std::move(what)), m_total(total), m_every(every) {
    send(m_total.value_or(0));
}

void WriteMeter::add(uint64_t bytes) {
    m_current += bytes;
    if (std::chrono::steady_clock::now() - m_sent < m_every) return;
    // current == total would say "done": only finish() says that.
    if (m_total && m_current >= *m_total) return;
    send(m_total.value_or(0));
}

void WriteMeter::finish() { send(m_current); }

void WriteMeter::send(uint64_t total) {
    m_sent = std::chrono::steady_clock::now();
    if (m_report) m_report(m_what, m_current, total);
}

} // namespace mab::exporter
