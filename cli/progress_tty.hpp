// buildx's --progress=tty: a live view of the whole trace redrawn in place (cursor up,
// rewrite, clear) ten times a second by the ProgressPrinter's ticker, never on events:
//   [+] Building 12.3s (8/12)
//    => [internal] load build definition from Dockerfile               0.0s
//    => => transferring dockerfile: 52B done
//    => => sha256:4f4fb700ef54… 12.30MB / 45.60MB                       1.2s
//    => CACHED [stage-0 2/3] COPY a /a                                  0.0s
//    => [stage-0 3/3] RUN make                                          4.1s
//    => => # the last few lines of its output, dimmed
// Lines are cut to the terminal's width (TIOCGWINSZ); while live, the view keeps to
// the terminal's height by dropping finished steps from the top. The last frame ends
// in FINISHED and shows every step, then the summary, then each failed step's whole
// output between "------" rulers, as buildx prints it before the error.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "cli/progress_renderer.hpp"

namespace mab::cli {

struct TerminalSize {
    int columns = 80;
    int rows = 24;
};

// The size of the terminal at `fd` (80x24 when it is not one).
TerminalSize terminal_size(int fd);

// Output text made safe for one screen line: the text after the last carriage return,
// tabs as spaces, escape sequences and other control characters dropped.
std::string printable_line(std::string_view text);

// Cuts `text` to `columns` characters (UTF-8 code points, not bytes).
std::string fit_to_width(std::string_view text, int columns);

// One line of the view; the tone picks its colour.
struct FrameLine {
    enum class Tone { normal, running, log, error, canceled };
    std::string text;
    Tone tone = Tone::normal;
};

// The view's lines at `now`: the header, then each step.
// `max_lines` (0: no limit) drops finished steps from the top to fit.
std::vector<FrameLine> tty_frame(const std::vector<const Step*>& steps, double elapsed, SteadyTime now,
                                   int columns, int max_lines, bool final);

class TtyRenderer : public ProgressRenderer {
public:
    // `fixed` replaces the terminal's size (tests).
    explicit TtyRenderer(std::FILE* out, std::optional<TerminalSize> fixed = std::nullopt);

    void note(std::string_view text) override;
    bool wants_ticks() const override { return true; }
    void tick(const ProgressTrace& trace) override;
    void finish(const ProgressTrace& trace, bool failed) override;

private:
    void draw(const ProgressTrace& trace, bool final);
    std::string erase_view() const;
    void write(const std::string& text);

    std::FILE* m_out;
    std::optional<TerminalSize> m_fixed;
    SteadyTime m_started;
    int m_drawn_lines = 0;  // lines of the frame on screen, above the cursor
};

} // namespace mab::cli
