// Counts the bytes an output writes (a tarball, a directory) and reports them through
// the export's OutputProgress: at most once per `every` (ten a second by default, the
// rate the progress printer passes on), so a writer can call add() for each 64 KiB
// without flooding the progress view, and once more at the end with current == total.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "exporter/exporter.hpp"

namespace mab::exporter {

class WriteMeter {
public:
    // `total`: the bytes the output will have been written when done, if known up
    // front. Reports 0 of `total` at once, so the view shows the part from its start.
    WriteMeter(OutputProgress report, std::string what, std::optional<uint64_t> total,
               std::chrono::milliseconds every = std::chrono::milliseconds(100));

    void add(uint64_t bytes);
    // The last report: what was written is the total, known or not.
    void finish();

private:
    void send(uint64_t total);

    OutputProgress m_report;
    std::string m_what;
    std::optional<uint64_t> m_total;
    std::chrono::milliseconds m_every;
    uint64_t m_current = 0;
    std::chrono::steady_clock::time_point m_sent;
};

} // namespace mab::exporter
