// buildx's --progress=plain: "#N name" when a step starts, its output as
// "#N 1.234 line" (seconds since the step started), "#N DONE 1.2s", "#N CACHED",
// "#N ERROR: msg". When another step's line comes between, the open step gets
// "#N ..." and the other step's header is printed again before its lines, as
// BuildKit's textMux does. Bytes moved print as "#N sha256:… 1.20MB / 4.50MB 0.3s"
// (" done" at the end), again only after 5 % more or 5 s, as textMux throttles them.
// Whole lines only: a partial line waits for its newline or
// the step's end. Nothing is shortened.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <utility>

#include "cli/progress_renderer.hpp"

namespace mab::cli {

class PlainRenderer : public ProgressRenderer {
public:
    explicit PlainRenderer(std::FILE* out) : m_out(out) {}

    void started(const Step& step) override;
    void cached(const Step& step) override;
    void output(const Step& step, std::string_view chunk, WallTime at, const std::vector<LogLine>& lines) override;
    void status(const Step& step, const std::string& text) override;
    void transfer(const Step& step, const Transfer& transfer) override;
    void completed(const Step& step, const std::vector<LogLine>& flushed) override;
    void note(std::string_view text) override;
    void finish(const ProgressTrace& trace, bool failed) override;

private:
    // Makes `step` the one whose lines follow, printing its header if it was not.
    void switch_to(const Step& step, std::string& out);
    void write(const std::string& text);

    std::FILE* m_out;
    struct Shown {
        uint64_t current = 0;
        SteadyTime at{};
        bool completed = false;
    };
    std::map<std::pair<int, std::string>, Shown> m_shown;  // last line printed per (step, transfer)
    const Step* m_current = nullptr;
    bool m_printed_header = false;
};

// "#3 0.120 text" lines for `lines` of step `number` (plain mode's log line form).
std::string plain_log_lines(int number, const std::vector<LogLine>& lines);

} // namespace mab::cli
