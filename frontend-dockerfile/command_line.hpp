// Splitting one logical Dockerfile line into its parts, the way BuildKit's parser does:
// the keyword, the leading --flags, and the arguments (JSON array, whitespace-separated
// words, or quote-aware words for ENV/LABEL/ARG).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mab::dockerfile {

struct CommandLine {
    std::string keyword;             // as written
    std::vector<std::string> flags;  // "--from=x", quotes and backslashes resolved
    std::string args;                // the rest, trimmed
};

// Splits "COPY --from=a x y" into keyword, flags and args. Flags are the leading words
// that start with "--" ("--" alone ends them); quotes inside a flag group words.
CommandLine split_command(std::string_view line);

// What parse_json_array found.
enum class JsonForm { not_json, strings, not_strings };

// Parses `text` as a JSON array of strings (the exec form). Anything that does not
// start with a complete JSON array is not_json (text after the array is ignored, as
// BuildKit's Go decoder ignores it); an array holding anything but strings is
// not_strings.
JsonForm parse_json_array(std::string_view text, std::vector<std::string>& out);

// Splits on runs of blanks, ignoring quotes (BuildKit's parseStringsWhitespaceDelimited,
// used for COPY/ADD sources, FROM, EXPOSE, VOLUME).
std::vector<std::string> split_whitespace(std::string_view text);

// Splits into words on white space outside quotes, keeping the quotes and escapes in
// the words (BuildKit's parseWords, used for ENV, LABEL and ARG before expansion).
std::vector<std::string> split_quoted_words(std::string_view text, char escape);

std::string trim(std::string_view s);
std::string to_upper(std::string_view s);
std::string to_lower(std::string_view s);

} // namespace mab::dockerfile
