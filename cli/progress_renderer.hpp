// One way of showing progress (plain, tty, rawjson). The ProgressPrinter updates the
// trace and then calls its renderer, always under one lock, so a renderer sees events
// one at a time even when vertices run on several threads. A renderer that draws the
// whole trace (tty) can ignore the events and draw on tick().
#pragma once

#include <string_view>
#include <vector>

#include "cli/progress_trace.hpp"

namespace mab::cli {

class ProgressRenderer {
public:
    virtual ~ProgressRenderer() = default;
    virtual void started(const Step& step) { (void)step; }
    // A step answered without running (again, for a step seen earlier in the build).
    virtual void cached(const Step& step) { (void)step; }
    // Output as it came (`chunk`), then the lines it completed (`lines`, maybe none).
    virtual void output(const Step& step, std::string_view chunk, WallTime at, const std::vector<LogLine>& lines) {
        (void)step, (void)chunk, (void)at, (void)lines;
    }
    // A line of the CLI's own steps ("transferring dockerfile: 52B done").
    virtual void status(const Step& step, const std::string& text) { (void)step, (void)text; }
    // Bytes moved for one part of a step; the printer sends at most ten a second per
    // part, and always the last.
    virtual void transfer(const Step& step, const Transfer& transfer) { (void)step, (void)transfer; }
    // Done, failed or canceled: `step.state` says which; `flushed` is its last line
    // when the output did not end with a newline.
    virtual void completed(const Step& step, const std::vector<LogLine>& flushed) { (void)step, (void)flushed; }
    // A message not tied to a step (warnings).
    virtual void note(std::string_view text) = 0;
    // Called about 10 times a second when wants_ticks() (the live tty view).
    virtual bool wants_ticks() const { return false; }
    virtual void tick(const ProgressTrace& trace) { (void)trace; }
    // The build is over (`failed` when it ends with an error); last words.
    virtual void finish(const ProgressTrace& trace, bool failed) = 0;
};

} // namespace mab::cli
