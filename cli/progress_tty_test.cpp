#include <catch2/catch.hpp>

#include <regex>

#include "cli/progress_printer.hpp"
#include "cli/progress_test_support.hpp"
#include "cli/progress_tty.hpp"

using namespace mab::cli;
using namespace mab::cli::test;

namespace {

std::vector<std::string> texts(const std::vector<FrameLine>& frame) {
    std::vector<std::string> out;
    for (const FrameLine& line : frame) out.push_back(line.text);
    return out;
}

std::unique_ptr<Step> make_step(int number, const std::string& name, StepState state, double seconds) {
    auto step = std::make_unique<Step>();
    step->number = number;
    step->name = name;
    step->state = state;
    step->seconds = seconds;
    step->started = std::chrono::steady_clock::now();
    return step;
}

// What the view's last frame left on screen: the text after the last cursor-up
// (the final redraw), escape sequences removed.
std::string final_screen(const std::string& raw) {
    const size_t last = raw.rfind("[+] Building");
    return std::regex_replace(raw.substr(last), std::regex("\x1b\\[[0-9;]*[A-Za-z]"), "");
}

} // namespace

TEST_CASE("tty frame: header, steps with their times at the right edge, the last log lines of running steps",
          "[progress]") {
    auto done = make_step(1, "[internal] load build definition from Dockerfile", StepState::done, 0.04);
    done->statuses.push_back("transferring dockerfile: 52B done");
    auto cached = make_step(2, "[1/3] COPY a /a", StepState::cached, 0);
    auto running = make_step(3, "[2/3] RUN make with a name far too long for forty columns", StepState::running, 0);
    for (int i = 1; i <= 9; ++i) running->lines.push_back({0.1 * i, "line " + std::to_string(i)});
    running->partial = "progress\r50%\ttail";
    Transfer layer;
    layer.id = "sha256:0123456789ab";
    layer.current = 1'200'000;
    layer.total = 4'500'000;
    layer.started = running->started;
    running->transfers.push_back(layer);
    const std::vector<const Step*> steps{done.get(), cached.get(), running.get()};

    const std::vector<std::string> frame =
        texts(tty_frame(steps, 12.34, running->started, 40, 0, false));
    CHECK(frame == std::vector<std::string>{
                       "[+] Building 12.3s (2/3)",
                       " => [internal] load build definitio 0.0s",
                       " => => transferring dockerfile: 52B done",
                       " => CACHED [1/3] COPY a /a          0.0s",
                       " => [2/3] RUN make with a name far  0.0s",
                       " => => sha256:0123456789ab 1.20MB / 0.0s",
                       " => => # line 5",
                       " => => # line 6",
                       " => => # line 7",
                       " => => # line 8",
                       " => => # line 9",
                       " => => # 50% tail",
                   });
    for (const std::string& line : frame) CHECK(line.size() <= 40);
    CHECK(tty_frame(steps, 1, running->started, 40, 0, true).front().text == "[+] Building 1.0s (2/3) FINISHED");
}

TEST_CASE("tty frame: too tall for the terminal, finished steps leave first", "[progress]") {
    std::vector<std::unique_ptr<Step>> owned;
    std::vector<const Step*> steps;
    for (int i = 1; i <= 10; ++i) {
        owned.push_back(make_step(i, "step " + std::to_string(i), i < 10 ? StepState::done : StepState::running, 1));
        steps.push_back(owned.back().get());
    }
    const std::vector<std::string> frame = texts(tty_frame(steps, 1, owned.back()->started, 30, 4, false));
    REQUIRE(frame.size() == 4);
    CHECK(frame[0] == "[+] Building 1.0s (9/10)");
    CHECK(frame[3].rfind(" => step 10 ", 0) == 0);
}

TEST_CASE("tty text helpers: control characters out, UTF-8 cut by characters", "[progress]") {
    CHECK(printable_line("\x1b[31mred\x1b[0m\tx\r") == "red x");
    CHECK(printable_line("10%\r20%\r30%") == "30%");
    CHECK(fit_to_width("héllo", 2) == "hé");
    CHECK(fit_to_width("abc", 5) == "abc");
}

TEST_CASE("tty: steps on several threads; the last frame lists each, then the failed step's whole log",
          "[progress]") {
    constexpr int k_threads = 4;
    CapturedFile out;
    {
        ProgressPrinter printer(std::make_unique<TtyRenderer>(out.get(), TerminalSize{60, 12}));
        on_threads(k_threads, [&](int t) {
            const auto v = vertex("[" + std::to_string(t + 1) + "/4] RUN job " + std::to_string(t));
            printer.started(v);
            for (int i = 0; i < 30; ++i) {
                printer.log(v, "job " + std::to_string(t) + " says " + std::to_string(i) + "\n");
                if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(40));
            }
            if (t == 2)
                printer.failed(v, 0.2, "exit code: 1");
            else
                printer.finished(v, 0.2);
        });
        printer.finish(true);
    }
    const std::string raw = out.text();
    // It was redrawn in place while running (cursor up), not only drawn at the end.
    CHECK(raw.find("\x1b[") != std::string::npos);
    CHECK(std::regex_search(raw, std::regex("\x1b\\[\\d+A")));
    const std::string screen = final_screen(raw);
    const std::vector<std::string> lines = split_lines(screen);
    REQUIRE(lines.size() > k_threads);
    CHECK(std::regex_match(lines[0], std::regex(R"(\[\+\] Building \d+\.\d+s \(4/4\) FINISHED)")));
    for (int t = 0; t < k_threads; ++t) {
        const std::string name = "[" + std::to_string(t + 1) + "/4] RUN job " + std::to_string(t);
        CHECK(screen.find((t == 2 ? " => ERROR " : " => ") + name) != std::string::npos);
    }
    // The failing step's output, all of it, between rulers.
    const size_t ruler = screen.find("------\n > [3/4] RUN job 2:\n");
    REQUIRE(ruler != std::string::npos);
    for (int i = 0; i < 30; ++i)
        CHECK(std::regex_search(screen.substr(ruler), std::regex(R"(\d+\.\d{3} job 2 says )" + std::to_string(i) + "\n")));
    // Nothing in the view is wider than the terminal.
    for (size_t i = 0; i < 1 + k_threads; ++i) CHECK(lines[i].size() <= 60);
}

TEST_CASE("tty: a build that stops before its first step leaves the screen alone", "[progress]") {
    CapturedFile out;
    {
        ProgressPrinter printer(std::make_unique<TtyRenderer>(out.get(), TerminalSize{60, 12}));
        printer.finish(true);
    }
    CHECK(out.text().empty());
}
