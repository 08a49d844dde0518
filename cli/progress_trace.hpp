// What the progress views know about a build's steps: one record per step (an engine
// vertex or a step the CLI performs itself), numbered in the order they first appear,
// with its state, times, platform and output split into lines. Not thread-safe: the
// ProgressPrinter holds its lock around every change and every renderer call.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "oci/digest.hpp"

namespace mab::cli {

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

enum class StepState { running, done, cached, failed, canceled };

struct LogLine {
    double offset = 0;  // seconds from the step's start to the line's first byte
    std::string text;   // without its newline
};

// Bytes moved for one part of a step (a layer being pulled).
struct Transfer {
    std::string id;  // "sha256:…"
    uint64_t current = 0;
    uint64_t total = 0;
    SteadyTime started{};
    WallTime started_wall{};
    SteadyTime updated{};
    bool completed() const { return total != 0 && current >= total; }
};

// "123B", "1.23kB", "45.60MB": decimal units with two decimals, as buildx prints sizes.
std::string format_bytes(uint64_t bytes);

struct Step {
    int number = 0;
    oci::Digest digest;
    std::string name;
    StepState state = StepState::running;
    SteadyTime started{};
    WallTime started_wall{};
    WallTime completed_wall{};
    double seconds = 0;         // how long it ran, once completed (0 when cached)
    std::string error;          // when failed
    std::string platform;       // where its processes ran, if it ran any
    bool emulated = false;      // under qemu-user
    std::vector<LogLine> lines;        // complete output lines, in order
    std::string partial;               // output after the last newline
    double partial_offset = 0;         // when that partial line began
    std::vector<std::string> statuses; // the CLI's own lines ("transferring dockerfile: 52B done")
    std::vector<Transfer> transfers;   // bytes moved, per part, in the order they began

    bool completed() const { return state != StepState::running; }
    // Seconds since the step started, or its duration once completed.
    double elapsed(SteadyTime now) const;
};

class ProgressTrace {
public:
    // The step for `digest`, created (numbered, named, started now) if new; `created`
    // tells which.
    Step& step_for(const oci::Digest& digest, std::string_view name, bool& created);
    Step* find(const oci::Digest& digest);
    // Steps in number order.
    const std::vector<std::unique_ptr<Step>>& steps() const { return m_steps; }
    SteadyTime started() const { return m_started; }

private:
    SteadyTime m_started = std::chrono::steady_clock::now();
    std::vector<std::unique_ptr<Step>> m_steps;
    std::map<oci::Digest, Step*> m_by_digest;
};

// Splits `text` into the step's lines: completes its partial line and appends each
// line that ends in `text`; what follows the last newline becomes the new partial
// line. Returns the lines completed by this chunk. `offset` stamps lines that begin
// in this chunk.
std::vector<LogLine> append_output(Step& step, std::string_view text, double offset);
// Ends a partial line (a step that finished without a final newline); returns it if any.
std::vector<LogLine> flush_output(Step& step);

} // namespace mab::cli
