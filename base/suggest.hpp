// "Did you mean …?" for unknown names (flags, instructions, stages, keys, platforms).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mab {

// Levenshtein distance, case-insensitive.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a likely typo
// (distance <= max(1, len/3)), else nullopt.
std::optional<std::string> closest_match(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean X?)" or "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// `message` plus " (did you mean X?)" when `word` looks like a typo of a candidate.
std::string with_suggestion(std::string message, std::string_view word,
                            const std::vector<std::string>& candidates);

} // namespace mab
