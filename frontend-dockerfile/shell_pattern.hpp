// The wildcard patterns of ${v#p}, ${v##p}, ${v%p}, ${v%%p}, ${v/p/r} and ${v//p/r},
// with BuildKit's semantics (it turns them into Go regular expressions): `?` is one
// character and `*` any run of characters, neither matching a newline (Go's "."
// does not); `\*`, `\?` and `\\` are literal; `\}` and `\/` are `}` and `/`; any other
// escape is an error, and there are no bracket expressions. Matching works on runes.
// A bad pattern throws Error(dockerfile) "invalid pattern (<p>) in substitution: …".
#pragma once

#include <string>
#include <string_view>

namespace mab::dockerfile {

// ${v#p} and, with `longest`, ${v##p}: `value` without the shortest (longest) prefix
// the pattern matches; unchanged when none does.
std::string trim_pattern_prefix(std::string_view pattern, std::string_view value, bool longest);

// ${v%p} and ${v%%p}. Like BuildKit, which reverses both strings and trims a prefix,
// the result is re-encoded rune by rune (an invalid byte comes back as U+FFFD) and a
// pattern error quotes the reversed pattern.
std::string trim_pattern_suffix(std::string_view pattern, std::string_view value, bool longest);

// ${v/p/r}: the leftmost, longest match replaced by `replacement` as it is.
std::string replace_pattern_first(std::string_view pattern, std::string_view value, std::string_view replacement);

// ${v//p/r}: every match replaced as Go's Regexp.ReplaceAllString does, which reads
// `replacement` as a template: $0 and ${0} are the match, $$ is $, other $names are
// empty (BuildKit's regular expression has no groups).
std::string replace_pattern_all(std::string_view pattern, std::string_view value, std::string_view replacement);

} // namespace mab::dockerfile
