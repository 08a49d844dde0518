#include "cli/progress_summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace mab::cli {

namespace {

constexpr size_t k_slowest_shown = 5;

bool ran(const Step& step) {
    return step.state == StepState::done || step.state == StepState::failed;
}

std::string slowest_steps(const std::vector<const Step*>& ran_steps) {
    std::vector<const Step*> sorted = ran_steps;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Step* a, const Step* b) { return a->seconds > b->seconds; });
    if (sorted.size() > k_slowest_shown) sorted.resize(k_slowest_shown);
    std::string out = "Slowest steps:\n";
    for (const Step* step : sorted)
        out += fmt::format("  {:>7.1f}s  #{} {}{}\n", step->seconds, step->number, step->name,
                           step->state == StepState::failed ? " (failed)" : "");
    return out;
}

std::string emulation_tax(const std::vector<const Step*>& ran_steps) {
    struct PlatformTax {
        double seconds = 0;
        std::vector<int> numbers;
    };
    std::map<std::string, PlatformTax> by_platform;
    for (const Step* step : ran_steps) {
        if (!step->emulated) continue;
        PlatformTax& tax = by_platform[step->platform];
        tax.seconds += step->seconds;
        tax.numbers.push_back(step->number);
    }
    if (by_platform.empty()) return "";
    std::string out = "Emulated with qemu (a stage FROM --platform=$BUILDPLATFORM that cross-compiles avoids this):\n";
    for (const auto& [platform, tax] : by_platform) {
        std::string numbers;
        for (int n : tax.numbers) numbers += (numbers.empty() ? "#" : ", #") + std::to_string(n);
        out += fmt::format("  {}: {} step{}, {:.1f}s ({})\n", platform, tax.numbers.size(),
                           tax.numbers.size() == 1 ? "" : "s", tax.seconds, numbers);
    }
    return out;
}

} // namespace

std::string format_summary(const ProgressTrace& trace) {
    std::vector<const Step*> ran_steps;
    for (const std::unique_ptr<Step>& step : trace.steps())
        if (ran(*step)) ran_steps.push_back(step.get());
    if (ran_steps.empty()) return "";
    return slowest_steps(ran_steps) + emulation_tax(ran_steps);
}

} // namespace mab::cli
