#include "frontend-dockerfile/go_duration.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <utility>

#include "base/error.hpp"

namespace mab::dockerfile {

namespace {

constexpr uint64_t k_max = uint64_t{1} << 63;  // one more than INT64_MAX

Error invalid(std::string_view text) {
    return Error(ErrorKind::dockerfile, fmt::format("time: invalid duration \"{}\"", text));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The unit's length in nanoseconds, or 0 if `unit` is none of Go's.
uint64_t unit_nanoseconds(std::string_view unit) {
    static const std::array<std::pair<std::string_view, uint64_t>, 8> k_units = {{
        {"ns", 1},
        {"us", 1000},
        {"\xC2\xB5s", 1000},  // U+00B5 micro sign
        {"\xCE\xBCs", 1000},  // U+03BC Greek small letter mu
        {"ms", 1000000},
        {"s", 1000000000},
        {"m", 60000000000},
        {"h", 3600000000000},
    }};
    for (const auto& [name, ns] : k_units)
        if (name == unit) return ns;
    return 0;
}

// Go's fmtFrac: writes v's lowest `prec` digits as a fraction without trailing zeros
// (and without the dot if they are all zero); returns v with those digits removed.
uint64_t append_fraction(std::string& out, uint64_t v, int prec) {
    std::string digits;
    bool print = false;
    for (int i = 0; i < prec; ++i) {
        char digit = static_cast<char>('0' + v % 10);
        print = print || digit != '0';
        if (print) digits.insert(digits.begin(), digit);
        v /= 10;
    }
    if (print) out += "." + digits;
    return v;
}

} // namespace

int64_t parse_go_duration(std::string_view text) {
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    if (s == "0") return 0;
    if (s.empty()) throw invalid(text);
    uint64_t total = 0;
    while (!s.empty()) {
        if (!(s[0] == '.' || is_digit(s[0]))) throw invalid(text);
        // The integer part, then an optional fraction (Go keeps the fraction's digits
        // that still fit, as we do).
        uint64_t whole = 0;
        size_t i = 0;
        bool overflow = false;
        for (; i < s.size() && is_digit(s[i]); ++i) {
            if (whole > (k_max - 1) / 10) overflow = true;
            whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
            if (whole > k_max) overflow = true;
        }
        if (overflow) throw invalid(text);
        bool had_whole = i > 0;
        uint64_t fraction = 0;
        double scale = 1;
        bool had_fraction = false;
        if (i < s.size() && s[i] == '.') {
            ++i;
            size_t start = i;
            bool fraction_overflow = false;
            for (; i < s.size() && is_digit(s[i]); ++i) {
                if (fraction_overflow) continue;
                if (fraction > (k_max - 1) / 10) {
                    fraction_overflow = true;  // drop digits that no longer matter
                    continue;
                }
                fraction = fraction * 10 + static_cast<uint64_t>(s[i] - '0');
                scale *= 10;
            }
            had_fraction = i > start;
        }
        if (!had_whole && !had_fraction) throw invalid(text);  // "." or ".s"
        size_t unit_start = i;
        while (i < s.size() && s[i] != '.' && !is_digit(s[i])) ++i;
        std::string_view unit = s.substr(unit_start, i - unit_start);
        if (unit.empty())
            throw Error(ErrorKind::dockerfile, fmt::format("time: missing unit in duration \"{}\"", text));
        uint64_t unit_ns = unit_nanoseconds(unit);
        if (unit_ns == 0)
            throw Error(ErrorKind::dockerfile,
                        fmt::format("time: unknown unit \"{}\" in duration \"{}\"", unit, text));
        if (whole > k_max / unit_ns) throw invalid(text);
        uint64_t value = whole * unit_ns;
        if (fraction > 0) {
            value += static_cast<uint64_t>(static_cast<double>(fraction) * (static_cast<double>(unit_ns) / scale));
            if (value > k_max) throw invalid(text);
        }
        total += value;
        if (total > k_max) throw invalid(text);
        s.remove_prefix(i);
    }
    if (negative) return total == k_max ? INT64_MIN : -static_cast<int64_t>(total);
    if (total == k_max) throw invalid(text);
    return static_cast<int64_t>(total);
}

std::string format_go_duration(int64_t nanoseconds) {
    if (nanoseconds == 0) return "0s";
    bool negative = nanoseconds < 0;
    uint64_t u = negative ? uint64_t{0} - static_cast<uint64_t>(nanoseconds) : static_cast<uint64_t>(nanoseconds);
    std::string out;
    if (u < 1000000000) {
        if (u < 1000) {
            out = fmt::format("{}ns", u);
        } else {
            // Microseconds or milliseconds, with a fraction.
            int prec = u < 1000000 ? 3 : 6;
            std::string fraction;
            uint64_t whole = append_fraction(fraction, u, prec);
            out = fmt::format("{}{}{}", whole, fraction, prec == 3 ? "\xC2\xB5s" : "ms");
        }
    } else {
        std::string fraction;
        uint64_t seconds = append_fraction(fraction, u, 9);
        out = fmt::format("{}{}s", seconds % 60, fraction);
        uint64_t minutes = seconds / 60;
        if (minutes > 0) {
            out = fmt::format("{}m", minutes % 60) + out;
            uint64_t hours = minutes / 60;
            if (hours > 0) out = fmt::format("{}h", hours) + out;
        }
    }
    return negative ? "-" + out : out;
}

} // namespace mab::dockerfile
