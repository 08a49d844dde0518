#include <catch2/catch.hpp>

#include <map>
#include <regex>

#include "cli/progress_plain.hpp"
#include "cli/progress_printer.hpp"
#include "cli/progress_test_support.hpp"

using namespace mab::cli;
using namespace mab::cli::test;

namespace {

// Offsets and durations vary from run to run; the rest of the text must not.
std::string without_times(const std::string& text) {
    std::string out = std::regex_replace(text, std::regex(R"((#\d+) \d+\.\d{3} )"), "$1 T ");
    return std::regex_replace(out, std::regex(R"(DONE \d+\.\d+s)"), "DONE Ts");
}

} // namespace

TEST_CASE("plain: buildx's lines, with the open step marked when another step's lines come between", "[progress]") {
    CapturedFile out;
    {
        ProgressPrinter printer(std::make_unique<PlainRenderer>(out.get()));
        const auto a = vertex("[stage-0 2/3] RUN make");
        const auto b = vertex("[stage-1 2/2] RUN test");
        printer.started(a);
        printer.log(a, "compiling\nlink");   // "link" waits for its newline
        printer.started(b);
        printer.log(b, "ok\n");
        printer.log(a, "ing\n");
        printer.finished(a, 1.25);
        printer.cached(vertex("[stage-0 1/3] COPY a /a"));
        printer.log(b, "no newline at the end");
        printer.failed(b, 0.5, "process \"test\" did not complete successfully: exit code: 1");
        printer.finish(false);
    }
    CHECK(without_times(out.text()) ==
          "#1 [stage-0 2/3] RUN make\n"
          "#1 T compiling\n"
          "#1 ...\n"
          "\n#2 [stage-1 2/2] RUN test\n"
          "#2 T ok\n"
          "#2 ...\n"
          "\n#1 [stage-0 2/3] RUN make\n"
          "#1 T linking\n"
          "#1 DONE Ts\n"
          "\n#3 [stage-0 1/3] COPY a /a\n"
          "#3 CACHED\n"
          "\n#2 [stage-1 2/2] RUN test\n"
          "#2 T no newline at the end\n"
          "#2 ERROR: process \"test\" did not complete successfully: exit code: 1\n"
          "\nSlowest steps:\n"
          "      1.2s  #1 [stage-0 2/3] RUN make\n"
          "      0.5s  #2 [stage-1 2/2] RUN test (failed)\n");
    CHECK(out.text().find("#1 DONE 1.2s\n") != std::string::npos);
    CHECK(std::regex_search(out.text(), std::regex(R"(#1 \d+\.\d{3} compiling\n)")));
}

TEST_CASE("plain: lines from steps on several threads stay whole and keep their order", "[progress]") {
    constexpr int k_threads = 6;
    constexpr int k_lines = 200;
    CapturedFile out;
    {
        ProgressPrinter printer(std::make_unique<PlainRenderer>(out.get()));
        on_threads(k_threads, [&](int t) {
            const auto v = vertex("step " + std::to_string(t));
            printer.started(v);
            for (int i = 0; i < k_lines; ++i) {
                // Each line comes in two chunks, split mid-word, as pipes deliver them.
                const std::string line = "thread " + std::to_string(t) + " line " + std::to_string(i) + "\n";
                printer.log(v, line.substr(0, 5));
                printer.log(v, line.substr(5));
            }
            printer.finished(v, 0.1);
        });
        printer.finish(false);
    }
    // Every output line belongs to the step whose number prefixes it, in order.
    std::map<int, std::string> names;      // number -> "step T"
    std::map<int, int> next_line;          // number -> the line expected next
    std::map<int, bool> done;
    const std::regex header(R"(#(\d+) (step \d+))");
    const std::regex log_line(R"(#(\d+) \d+\.\d{3} thread (\d+) line (\d+))");
    const std::regex marker(R"(#(\d+) (\.\.\.|DONE 0\.1s))");
    bool in_summary = false;
    for (const std::string& line : split_lines(out.text())) {
        std::smatch m;
        if (line.empty()) continue;
        if (line == "Slowest steps:") in_summary = true;
        if (in_summary) continue;
        if (std::regex_match(line, m, header)) {
            const int n = std::stoi(m[1]);
            if (names.count(n) != 0) CHECK(names[n] == m[2].str());
            names[n] = m[2];
        } else if (std::regex_match(line, m, log_line)) {
            const int n = std::stoi(m[1]);
            REQUIRE(names.count(n) == 1);
            CHECK(names[n] == "step " + m[2].str());
            CHECK(std::stoi(m[3]) == next_line[n]);
            CHECK_FALSE(done[n]);
            ++next_line[n];
        } else if (std::regex_match(line, m, marker)) {
            if (m[2] != "...") done[std::stoi(m[1])] = true;
        } else {
            FAIL("unexpected line: " << line);
        }
    }
    REQUIRE(names.size() == k_threads);
    for (const auto& [n, count] : next_line) CHECK(count == k_lines);
    for (const auto& [n, name] : names) CHECK(done[n]);
}

TEST_CASE("plain: the CLI's own steps and notes", "[progress]") {
    CapturedFile out;
    {
        ProgressPrinter printer(std::make_unique<PlainRenderer>(out.get()));
        const int step = printer.begin_step("[internal] load build definition from Dockerfile");
        printer.step_line(step, "transferring dockerfile: 52B done");
        printer.end_step(step, 0.01);
        printer.note("WARNING: something to know");
        const int second = printer.begin_step("exporting to oci image format");
        CHECK(second == 2);
        // The build fails elsewhere: the open step is reported as cut short.
        printer.finish(true);
    }
    CHECK(out.text() ==
          "#1 [internal] load build definition from Dockerfile\n"
          "#1 transferring dockerfile: 52B done\n"
          "#1 DONE 0.0s\n"
          "WARNING: something to know\n"
          "\n#2 exporting to oci image format\n"
          "#2 CANCELED\n"
          "\nSlowest steps:\n"
          "      0.0s  #1 [internal] load build definition from Dockerfile\n");
}

TEST_CASE("plain: long lines are never cut", "[progress]") {
    CapturedFile out;
    {
        ProgressPrinter printer(std::make_unique<PlainRenderer>(out.get()));
        const auto v = vertex("[1/1] RUN yes");
        printer.started(v);
        printer.log(v, std::string(5000, 'y') + "\n");
        printer.finished(v, 0);
    }
    CHECK(out.text().find(std::string(5000, 'y') + "\n") != std::string::npos);
}

TEST_CASE("plain: bytes moved, at most every 5 % (and always the last), as buildx prints pulls", "[progress]") {
    CapturedFile out;
    const auto pull = vertex("[1/2] FROM registry.example/busybox:1@sha256:00");
    const std::string layer = "sha256:" + std::string(64, 'a');
    {
        ProgressPrinter printer(std::make_unique<PlainRenderer>(out.get()));
        printer.started(pull);
        constexpr uint64_t k_total = 4'500'000;
        for (uint64_t done = 16'384; done < k_total; done += 16'384) {
            printer.transfer(pull, {layer, done, k_total});
            if (done % (16'384 * 40) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(110));
        }
        printer.transfer(pull, {layer, k_total, k_total});
        printer.transfer(pull, {layer, k_total, k_total});  // repeated: printed once
        printer.finished(pull, 1);
    }
    const std::vector<std::string> lines = split_lines(out.text());
    std::vector<std::string> transfers;
    for (const std::string& line : lines)
        if (line.find(layer) != std::string::npos) transfers.push_back(line);
    REQUIRE(transfers.size() >= 2);
    CHECK(transfers.size() <= 21);  // the first, then one per 5 % at most, then done
    CHECK(std::regex_match(transfers.front(), std::regex("#1 " + layer + R"( 16\.38kB / 4\.50MB( \d+\.\ds)?)")));
    CHECK(std::regex_match(transfers.back(), std::regex("#1 " + layer + R"( 4\.50MB / 4\.50MB \d+\.\ds done)")));
}

TEST_CASE("plain: an export step's lines in buildx's order, its bytes as one transfer", "[progress]") {
    CapturedFile out;
    {
        ProgressPrinter printer(std::make_unique<PlainRenderer>(out.get()));
        const int step = printer.begin_step("exporting to oci image format");
        printer.step_line(step, "exporting layers done");
        printer.step_line(step, "exporting manifest sha256:" + std::string(64, 'm') + " done");
        printer.step_line(step, "exporting config sha256:" + std::string(64, 'c') + " done");
        printer.step_transfer(step, {"sending tarball", 0, 2'300'000});
        for (uint64_t done = 65'536; done < 2'300'000; done += 65'536)
            printer.step_transfer(step, {"sending tarball", done, 2'300'000});
        printer.step_transfer(step, {"sending tarball", 2'300'000, 2'300'000});
        printer.end_step(step, 0.2);
    }
    const std::vector<std::string> lines = split_lines(out.text());
    REQUIRE(lines.size() >= 7);
    CHECK(lines[0] == "#1 exporting to oci image format");
    CHECK(lines[1] == "#1 exporting layers done");
    CHECK(lines[2] == "#1 exporting manifest sha256:" + std::string(64, 'm') + " done");
    CHECK(lines[3] == "#1 exporting config sha256:" + std::string(64, 'c') + " done");
    CHECK(std::regex_match(lines[4], std::regex(R"(#1 sending tarball 0B / 2\.30MB)")));
    // Sent without pause: the printer passes the first and the last, nothing between.
    CHECK(std::regex_match(lines[5], std::regex(R"(#1 sending tarball 2\.30MB / 2\.30MB( \d+\.\ds)? done)")));
    CHECK(lines[6] == "#1 DONE 0.2s");
}

TEST_CASE("byte sizes as buildx prints them", "[progress]") {
    CHECK(format_bytes(0) == "0B");
    CHECK(format_bytes(999) == "999B");
    CHECK(format_bytes(1234) == "1.23kB");
    CHECK(format_bytes(45'600'000) == "45.60MB");
    CHECK(format_bytes(3'000'000'000) == "3.00GB");
}
