// Shell-style word expansion as BuildKit's shell.Lex does it for Dockerfile instructions:
// $v, ${v}, ${v:-w}, ${v-w}, ${v:+w}, ${v+w}, ${v:?msg}, ${v?msg}; single quotes are
// literal; double quotes keep spaces and expand $; the escape character (\ or `) quotes
// the next character. Nothing is executed: no command substitution, no globbing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mab::dockerfile {

// Looks a variable up; nullopt when it is not set (which differs from set-but-empty).
using VariableLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Expands `word` to one string (quotes removed, spaces kept), as COPY, ENV, WORKDIR, …
// do. Syntax errors and ${v?msg} on an unset v throw Error(dockerfile)
// "failed to process \"<word>\": <reason>" without a location.
std::string expand_word(std::string_view word, const VariableLookup& lookup, char escape);

// Expands and splits on unquoted white space (including white space that came from
// a variable's value), as EXPOSE does. Empty quoted strings produce no word.
std::vector<std::string> expand_words(std::string_view word, const VariableLookup& lookup,
                                      char escape);

// A lookup over "KEY=value" entries (the later entry wins).
VariableLookup lookup_in(const std::vector<std::string>& env);

} // namespace mab::dockerfile
