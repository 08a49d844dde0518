// Exclude patterns of a local source (.dockerignore lines), matched the way BuildKit
// matches them: moby/patternmatcher for one path, and fsutil's walk rules for whether
// an excluded directory is still looked into.
//
// A pattern is Go's filepath.Match syntax plus `**` (any number of directories, even
// none); `!` in front makes it an exception that re-includes what it matches. Later
// patterns win. A pattern that matches a directory also matches everything below it.
// Patterns are compiled as patternmatcher compiles them (exact, prefix, suffix or a
// regular expression), so its quirks carry over: `**file` matches "dir/myfile", `a*`
// matches "ab/c" through its parent, and `\d`, `\s`, `\w` (and upper-case negations)
// are character classes, not letters. Other regular-expression escapes (`\b`, `\x41`,
// `\pL`, ...) and POSIX classes (`[[:alpha:]]`) are refused rather than matched
// differently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mab::engine::ops {

class ExcludePatterns {
public:
    // Which patterns matched a directory, carried to its entries while walking
    // (patternmatcher's MatchInfo). Empty: nothing known about the parents.
    using MatchInfo = std::vector<bool>;

    // `patterns` as a .dockerignore parser leaves them: cleaned, slash-separated,
    // relative to the source's root, "!" in front of exceptions. Surrounding spaces are
    // trimmed and empty patterns skipped. Throws Error(input) naming a malformed pattern.
    explicit ExcludePatterns(const std::vector<std::string>& patterns);
    ExcludePatterns(const ExcludePatterns&);
    ExcludePatterns& operator=(const ExcludePatterns&);
    ~ExcludePatterns();

    bool empty() const;

    // Whether `path` ("dir/file": relative, cleaned) is excluded, given what matched its
    // parent directory; `info` gets what matched `path`, for its own entries. With an
    // empty `parent`, the parent directories are matched from the path itself.
    bool excluded(std::string_view path, const MatchInfo& parent, MatchInfo& info) const;
    // The same without a walk: the path and its parent directories are matched.
    bool excluded(std::string_view path) const;

    // For an excluded directory `dir`: whether a walk must still look inside, because an
    // exception may re-include something below it. As fsutil decides it: always when
    // an exception has pattern characters (`*?[]^\`) other than a trailing `/*` or
    // `/**`; else only when an exception's path lies below `dir`.
    bool may_reinclude_below(std::string_view dir) const;

private:
    struct Pattern;  // one compiled pattern (exclude_patterns.cpp)
    std::vector<Pattern> m_patterns;
    bool m_has_exceptions = false;
    bool m_only_prefix_exceptions = true;
};

} // namespace mab::engine::ops
