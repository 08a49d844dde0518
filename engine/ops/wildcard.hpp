// Wildcards in COPY/ADD sources, with Go's filepath.Match semantics (what BuildKit
// uses): `*` matches any run of non-'/' characters, `?` one non-'/' character,
// `[...]` a character class with ranges and `^` (or `!`) negation, `\` escapes the
// next character. Matching works on UTF-8 code points, as Go does.
#pragma once

#include <string_view>
#include <utility>

namespace mab::engine::ops {

// Decodes one UTF-8 code point from the front of `s` and says how many bytes it took;
// invalid bytes decode as U+FFFD of length 1, like Go's utf8.DecodeRuneInString.
std::pair<char32_t, size_t> decode_rune(std::string_view s);

// True if `path` holds an unescaped `*`, `?` or `[` (BuildKit's containsWildcards).
bool has_wildcard(std::string_view path);

// Whether `name` matches all of `pattern`. A malformed pattern ("[a-", "\" at the end,
// "[]a]") throws Error(input) naming the pattern, as soon as the matcher reaches it.
bool wildcard_match(std::string_view pattern, std::string_view name);

// Throws Error(input) naming the pattern if it is malformed anywhere.
void validate_wildcard(std::string_view pattern);

} // namespace mab::engine::ops
