#include "cli/progress_tty.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

#include "cli/progress_summary.hpp"

namespace mab::cli {

namespace {

// BuildKit's default for BUILDKIT_TTY_LOG_LINES.
constexpr size_t k_log_lines_shown = 6;

const char* const k_dim = "\x1b[2m";
const char* const k_blue = "\x1b[34m";
const char* const k_red = "\x1b[31m";
const char* const k_yellow = "\x1b[33m";
const char* const k_reset = "\x1b[0m";

size_t code_points(std::string_view text) {
    return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::string step_title(const Step& step) {
    switch (step.state) {
    case StepState::cached: return "CACHED " + step.name;
    case StepState::failed: return "ERROR " + step.name;
    case StepState::canceled: return "CANCELED " + step.name;
    case StepState::done:
    case StepState::running: break;
    }
    return step.name;
}

// `left` cut to fit, then `seconds` at the right edge.
std::string with_time(const std::string& left, double seconds, int columns) {
    const std::string time = fmt::format("{:.1f}s", seconds);
    const int room = std::max(columns - static_cast<int>(time.size()) - 1, 8);
    std::string cut = fit_to_width(left, room);
    const size_t pad = static_cast<size_t>(room) - code_points(cut) + 1;
    return cut + std::string(pad, ' ') + time;
}

// " => NAME ... 1.2s"
std::string step_line(const Step& step, SteadyTime now, int columns) {
    return with_time(" => " + printable_line(step_title(step)), step.elapsed(now), columns);
}

// " => => sha256:… 1.20MB / 4.50MB ... 0.3s"
std::string transfer_line(const Transfer& t, SteadyTime now, int columns) {
    std::string left = " => => " + t.id + " " + format_bytes(t.current);
    if (t.total != 0) left += " / " + format_bytes(t.total);
    const SteadyTime end = t.completed() ? t.updated : now;
    return with_time(left, std::chrono::duration<double>(end - t.started).count(), columns);
}

// The lines of one step: its own, its CLI status lines, and while it runs the last
// lines of its output.
FrameLine::Tone tone_of(const Step& step) {
    switch (step.state) {
    case StepState::running: return FrameLine::Tone::running;
    case StepState::failed: return FrameLine::Tone::error;
    case StepState::canceled: return FrameLine::Tone::canceled;
    case StepState::done:
    case StepState::cached: break;
    }
    return FrameLine::Tone::normal;
}

std::vector<FrameLine> step_block(const Step& step, SteadyTime now, int columns) {
    std::vector<FrameLine> block{{step_line(step, now, columns), tone_of(step)}};
    for (const std::string& status : step.statuses)
        block.push_back({fit_to_width(" => => " + printable_line(status), columns)});
    for (const Transfer& transfer : step.transfers) block.push_back({transfer_line(transfer, now, columns)});
    if (step.state == StepState::running) {
        std::vector<std::string> tail;
        if (!step.partial.empty()) tail.push_back(step.partial);
        for (auto it = step.lines.rbegin(); it != step.lines.rend() && tail.size() < k_log_lines_shown; ++it)
            tail.push_back(it->text);
        for (auto it = tail.rbegin(); it != tail.rend(); ++it)
            block.push_back({fit_to_width(" => => # " + printable_line(*it), columns), FrameLine::Tone::log});
    }
    return block;
}

std::string coloured(const FrameLine& line) {
    const char* colour = nullptr;
    switch (line.tone) {
    case FrameLine::Tone::normal: return line.text;
    case FrameLine::Tone::running: colour = k_blue; break;
    case FrameLine::Tone::log: colour = k_dim; break;
    case FrameLine::Tone::error: colour = k_red; break;
    case FrameLine::Tone::canceled: colour = k_yellow; break;
    }
    return colour + line.text + k_reset;
}

} // namespace

TerminalSize terminal_size(int fd) {
    struct winsize size {};
    if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_col == 0 || size.ws_row == 0) return {};
    return {size.ws_col, size.ws_row};
}

std::string printable_line(std::string_view text) {
    while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const size_t cr = text.rfind('\r');
    if (cr != std::string_view::npos) text = text.substr(cr + 1);
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b) {
            // An escape sequence (colours in a RUN's output): skip to its final byte.
            if (i + 1 < text.size() && text[i + 1] == '[') {
                i += 2;
                while (i < text.size() && (text[i] < 0x40 || text[i] > 0x7e)) ++i;
            }
            continue;
        }
        if (c == '\t') {
            out += ' ';
        } else if (c >= 0x20 && c != 0x7f) {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string fit_to_width(std::string_view text, int columns) {
    size_t seen = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
        if (seen == static_cast<size_t>(std::max(columns, 0))) return std::string(text.substr(0, i));
        ++seen;
    }
    return std::string(text);
}

std::vector<FrameLine> tty_frame(const std::vector<const Step*>& steps, double elapsed, SteadyTime now,
                                   int columns, int max_lines, bool final) {
    const size_t finished = static_cast<size_t>(
        std::count_if(steps.begin(), steps.end(), [](const Step* s) { return s->completed(); }));
    std::string header = fmt::format("[+] Building {:.1f}s ({}/{}){}", elapsed, finished, steps.size(),
                                     final ? " FINISHED" : "");
    std::vector<std::vector<FrameLine>> blocks;
    size_t total = 1;
    for (const Step* step : steps) {
        blocks.push_back(step_block(*step, now, columns));
        total += blocks.back().size();
    }
    // Too tall for the terminal: finished steps leave from the top first, then whatever
    // is oldest, so the cursor can always climb back to the header.
    std::vector<bool> dropped(blocks.size(), false);
    const size_t limit = max_lines > 0 ? static_cast<size_t>(max_lines) : 0;
    for (size_t i = 0; limit != 0 && total > limit && i < blocks.size(); ++i) {
        if (!steps[i]->completed()) continue;
        dropped[i] = true;
        total -= blocks[i].size();
    }
    std::vector<FrameLine> frame{{fit_to_width(header, columns)}};
    for (size_t i = 0; i < blocks.size(); ++i)
        if (!dropped[i]) frame.insert(frame.end(), blocks[i].begin(), blocks[i].end());
    if (limit != 0 && frame.size() > limit) frame.erase(frame.begin() + 1, frame.end() - static_cast<long>(limit) + 1);
    return frame;
}

TtyRenderer::TtyRenderer(std::FILE* out, std::optional<TerminalSize> fixed)
    : m_out(out), m_fixed(fixed), m_started(std::chrono::steady_clock::now()) {}

void TtyRenderer::write(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), m_out);
    std::fflush(m_out);
}

std::string TtyRenderer::erase_view() const {
    if (m_drawn_lines == 0) return "";
    return fmt::format("\x1b[{}A\r\x1b[J", m_drawn_lines);
}

void TtyRenderer::note(std::string_view text) {
    // Above the view: erase it and print the note; the next tick draws the view below.
    write(erase_view() + std::string(text) + "\n");
    m_drawn_lines = 0;
}

void TtyRenderer::tick(const ProgressTrace& trace) { draw(trace, false); }

namespace {

std::vector<const Step*> steps_of(const ProgressTrace& trace) {
    std::vector<const Step*> steps;
    for (const std::unique_ptr<Step>& step : trace.steps()) steps.push_back(step.get());
    return steps;
}

} // namespace

void TtyRenderer::draw(const ProgressTrace& trace, bool final) {
    const TerminalSize size = m_fixed ? *m_fixed : terminal_size(::fileno(m_out));
    const SteadyTime now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - m_started).count();
    std::vector<FrameLine> frame = tty_frame(steps_of(trace), elapsed, now, size.columns, final ? 0 : size.rows - 1, final);
    std::string out = m_drawn_lines > 0 ? fmt::format("\x1b[{}A\r", m_drawn_lines) : "";
    for (const FrameLine& line : frame) out += coloured(line) + "\x1b[K\n";
    if (static_cast<int>(frame.size()) < m_drawn_lines) out += "\x1b[J";
    m_drawn_lines = static_cast<int>(frame.size());
    write(out);
}

void TtyRenderer::finish(const ProgressTrace& trace, bool) {
    // A build that stopped before its first step (a bad flag, no context) shows no view.
    if (trace.steps().empty() && m_drawn_lines == 0) return;
    draw(trace, true);
    std::string out;
    const std::string summary = format_summary(trace);
    if (!summary.empty()) {
        // Cut to the terminal's width like the view above it.
        const int columns = (m_fixed ? *m_fixed : terminal_size(::fileno(m_out))).columns;
        out += "\n";
        size_t start = 0;
        while (start < summary.size()) {
            const size_t end = summary.find('\n', start);
            out += fit_to_width(std::string_view(summary).substr(start, end - start), columns) + "\n";
            start = end + 1;
        }
    }
    for (const std::unique_ptr<Step>& step : trace.steps()) {
        if (step->state != StepState::failed) continue;
        out += fmt::format("------\n > {}:\n", step->name);
        for (const LogLine& line : step->lines) out += fmt::format("{:.3f} {}\n", line.offset, line.text);
        out += "------\n";
    }
    write(out);
}

} // namespace mab::cli
