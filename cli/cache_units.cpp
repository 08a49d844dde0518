#include "cli/cache_units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace mab::cli {

namespace {

// Reads a non-negative decimal number ("12", "1.5") at the front of `text`.
std::optional<double> take_number(std::string_view& text) {
    size_t n = 0;
    bool digits = false, dot = false;
    while (n < text.size() && (std::isdigit(static_cast<unsigned char>(text[n])) || (text[n] == '.' && !dot))) {
        if (text[n] == '.') dot = true;
        else digits = true;
        ++n;
    }
    if (!digits) return std::nullopt;
    const double value = std::strtod(std::string(text.substr(0, n)).c_str(), nullptr);
    text.remove_prefix(n);
    return value;
}

} // namespace

std::string human_size(int64_t bytes) {
    static const char* const k_units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    double size = static_cast<double>(bytes);
    size_t i = 0;
    while (size >= 1000.0 && i + 1 < std::size(k_units)) {
        size /= 1000.0;
        ++i;
    }
    return fmt::format("{:.4g}{}", size, k_units[i]);
}

std::string human_duration(int64_t seconds) {
    if (seconds < 1) return "Less than a second";
    if (seconds == 1) return "1 second";
    if (seconds < 60) return fmt::format("{} seconds", seconds);
    const int64_t minutes = seconds / 60;
    if (minutes == 1) return "About a minute";
    if (minutes < 60) return fmt::format("{} minutes", minutes);
    const auto hours = static_cast<int64_t>(static_cast<double>(seconds) / 3600.0 + 0.5);
    if (hours == 1) return "About an hour";
    if (hours < 48) return fmt::format("{} hours", hours);
    if (hours < 24 * 7 * 2) return fmt::format("{} days", hours / 24);
    if (hours < 24 * 30 * 2) return fmt::format("{} weeks", hours / 24 / 7);
    if (hours < 24 * 365 * 2) return fmt::format("{} months", hours / 24 / 30);
    return fmt::format("{} years", seconds / 3600 / 24 / 365);
}

std::string go_duration(int64_t seconds) {
    if (seconds == 0) return "0s";
    const int64_t h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60;
    if (h > 0) return fmt::format("{}h{}m{}s", h, m, s);
    if (m > 0) return fmt::format("{}m{}s", m, s);
    return fmt::format("{}s", s);
}

std::optional<int64_t> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    if (text == "0") return 0;
    double total = 0;
    while (!text.empty()) {
        const std::optional<double> value = take_number(text);
        if (!value) return std::nullopt;
        double unit = 0;
        if (text.rfind("ms", 0) == 0) unit = 0.001, text.remove_prefix(2);
        else if (text.rfind("h", 0) == 0) unit = 3600, text.remove_prefix(1);
        else if (text.rfind("m", 0) == 0) unit = 60, text.remove_prefix(1);
        else if (text.rfind("s", 0) == 0) unit = 1, text.remove_prefix(1);
        else return std::nullopt;
        total += *value * unit;
    }
    if (total > 1e15) return std::nullopt;
    return static_cast<int64_t>(total);
}

std::optional<int64_t> parse_size(std::string_view text) {
    const std::optional<double> value = take_number(text);
    if (!value) return std::nullopt;
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    double multiplier = 1;
    if (!text.empty()) {
        const std::string units = "kmgtp";
        const size_t power = units.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text.front()))));
        if (power != std::string::npos) {
            multiplier = std::pow(1024.0, static_cast<double>(power + 1));
            text.remove_prefix(1);
        }
    }
    if (!text.empty() && (text.front() == 'i' || text.front() == 'I')) text.remove_prefix(1);
    if (!text.empty() && (text.front() == 'b' || text.front() == 'B')) text.remove_prefix(1);
    if (!text.empty()) return std::nullopt;
    const double bytes = *value * multiplier;
    if (bytes > 9e18) return std::nullopt;
    return static_cast<int64_t>(bytes);
}

} // namespace mab::cli
