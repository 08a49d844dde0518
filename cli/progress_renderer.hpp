// One way of showing progress (plain, tty, rawjson). The ProgressPrinter updates the
// trace and then calls its renderer, always under one lock, so a renderer sees events
// one at a time even when vertices run on several threads.
#pragma once

#include <string_view>
#include <vector>

#include "cli/progress_trace.hpp"

namespace mab::cli {

class ProgressRenderer {
public:
    virtual ~ProgressRenderer() = default;
    virtual void started(const Step& step) = 0;
    // A step answered without running (again, for a step seen earlier in the build).
    virtual void cached(const Step& step) = 0;
    // Output as it came (`chunk`), then the lines it completed (`lines`, maybe none).
    virtual void output(const Step& step, std::string_view chunk, WallTime at, const std::vector<LogLine>& lines) = 0;
    // A line of the CLI's own steps ("transferring dockerfile: 52B done").
    virtual void status(const Step& step, const std::string& text) = 0;
    // Bytes moved for one part of a step; the printer sends at most ten a second per
    // part, and always the last.
    virtual void transfer(const Step& step, const Transfer& transfer) = 0;
    // Done, failed or canceled: `step.state` says which; `flushed` is its last line
    // when the output did not end with a newline.
    virtual void completed(const Step& step, const std::vector<LogLine>& flushed) = 0;
    // A message not tied to a step (warnings).
    virtual void note(std::string_view text) = 0;
    // Called about 10 times a second when wants_ticks() (the live tty view).
    virtual bool wants_ticks() const { return false; }
    virtual void tick() {}
    // The build is over (`failed` when it ends with an error); last words.
    virtual void finish(const ProgressTrace& trace, bool failed) = 0;
};

} // namespace mab::cli
