#include "frontend-dockerfile/suggest.hpp"

#include <algorithm>
#include <cctype>

namespace mab::dockerfile {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

} // namespace

size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rows suffice for the swap rule: d[i-2], d[i-1] and d[i].
    std::vector<size_t> two_back(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                cur[j] = std::min(cur[j], two_back[j - 2] + 1);
        }
        two_back.swap(prev);
        prev.swap(cur);
    }
    return prev[b.size()];
}

std::optional<std::string> closest_match(std::string_view value,
                                         const std::vector<std::string>& candidates) {
    if (value.empty()) return std::nullopt;
    std::string needle = lower(value);
    size_t limit = std::max<size_t>(1, needle.size() / 3);
    std::optional<std::string> best;
    size_t best_distance = limit + 1;
    for (const std::string& candidate : candidates) {
        size_t d = edit_distance(needle, lower(candidate));
        if (d < best_distance) {
            best_distance = d;
            best = candidate;
        }
    }
    return best;
}

std::string with_suggestion(std::string message, std::string_view value,
                            const std::vector<std::string>& candidates) {
    if (std::optional<std::string> match = closest_match(value, candidates))
        message += " (did you mean " + *match + "?)";
    return message;
}

} // namespace mab::dockerfile
