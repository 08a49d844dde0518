// "did you mean …?" for misspelt instructions, flags and stage names (like BuildKit's
// util/suggest and ninja's edit_distance).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mab::dockerfile {

// Edit distance counting insertions, deletions, substitutions and swaps of two
// neighbouring characters (optimal string alignment) as one edit each.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `value` (compared case-insensitively), if it is close enough
// to be a plausible typo: at most max(1, size/3) edits. Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view value,
                                         const std::vector<std::string>& candidates);

// `message` plus " (did you mean X?)" when closest_match finds one.
std::string with_suggestion(std::string message, std::string_view value,
                            const std::vector<std::string>& candidates);

} // namespace mab::dockerfile
