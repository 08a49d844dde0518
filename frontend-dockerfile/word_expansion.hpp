// Shell-style word expansion as BuildKit's shell.Lex does it for Dockerfile instructions:
// $v and ${v}; ${v:-w}, ${v-w}, ${v:+w}, ${v+w}, ${v:?msg}, ${v?msg}; ${v#p}, ${v##p},
// ${v%p}, ${v%%p} (shortest/longest prefix/suffix removed); ${v/p/r}, ${v//p/r} (first
// or every match replaced), with shell_pattern.hpp's wildcards. Single quotes are
// literal; double quotes keep spaces and expand $; the escape character (\ or `) quotes
// the next character. Input is read a rune at a time as Go does (an invalid UTF-8 byte
// becomes U+FFFD). Nothing is executed: no command substitution, no globbing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mab::dockerfile {

// Looks a variable up; nullopt when it is not set (which differs from set-but-empty).
using VariableLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Switches that change what the lexer keeps, as BuildKit's shell.Lex has them. The
// defaults are how instructions are expanded; the others serve heredocs: finding them on
// an instruction line (keep_quotes, keep_escapes, keep_unset) and expanding a COPY
// heredoc's body (quotes_are_text).
struct LexOptions {
    bool keep_quotes = false;      // RawQuotes: quote characters stay in the result
    bool keep_escapes = false;     // RawEscapes: escape characters stay in the result
    bool keep_unset = false;       // SkipUnsetEnv: an unset $v or ${v…} stays as written
    bool quotes_are_text = false;  // SkipProcessQuotes: ' and " are ordinary characters
};

// Expands `word` to one string (quotes removed, spaces kept), as COPY, ENV, WORKDIR, …
// do. Syntax errors, bad patterns and ${v?msg} on an unset v throw Error(dockerfile)
// "failed to process \"<word>\": <reason>" (the word quoted as Go's %q) without a
// location; the reasons are BuildKit's words.
std::string expand_word(std::string_view word, const VariableLookup& lookup, char escape,
                        const LexOptions& options = {});

// Expands and splits on unquoted white space (including white space that came from
// a variable's value), as EXPOSE does. Empty quoted strings produce no word.
std::vector<std::string> expand_words(std::string_view word, const VariableLookup& lookup,
                                      char escape, const LexOptions& options = {});

// A lookup over "KEY=value" entries (the later entry wins).
VariableLookup lookup_in(const std::vector<std::string>& env);

} // namespace mab::dockerfile
