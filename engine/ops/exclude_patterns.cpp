#include "engine/ops/exclude_patterns.hpp"

#include <fmt/format.h>

#include "base/error.hpp"
#include "engine/ops/wildcard.hpp"

namespace mab::engine::ops {

namespace {

// A step of a pattern compiled to patternmatcher's regular expression, which we match
// ourselves rather than through a regex library: the expression has only these forms.
struct Token {
    enum class Kind {
        literal,       // one code point
        one,           // `?`  -> [^/]
        star,          // `*`  -> [^/]*
        dirs,          // `**/` or an inner `**` -> (.*/)?
        rest,          // a final `**` after other tokens -> .*
        char_class,    // [...] or \d, \s, \w
    };
    Kind kind = Kind::literal;
    char32_t rune = 0;
    bool negated = false;
    std::vector<std::pair<char32_t, char32_t>> ranges;
};

[[noreturn]] void throw_bad(std::string_view pattern, std::string_view why) {
    throw Error(ErrorKind::input, fmt::format("invalid exclude pattern \"{}\": {}", pattern, why));
}

// Characters patternmatcher escapes because they mean something in a regexp only.
bool regexp_only_char(char32_t c) {
    return c == '.' || c == '+' || c == '(' || c == ')' || c == '|' || c == '{' || c == '}' || c == '$';
}

bool is_ascii_alnum(char32_t c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// The ranges of Perl's \d, \s and \w (RE2's), for a lower-case letter.
std::vector<std::pair<char32_t, char32_t>> perl_class(char32_t letter) {
    switch (letter) {
    case 'd': return {{'0', '9'}};
    case 's': return {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}};
    case 'w': return {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
    default: return {};
    }
}

// The code point RE2 gives an escaped control letter (\a \f \t \n \r \v), or 0.
char32_t control_escape(char32_t letter) {
    switch (letter) {
    case 'a': return '\a';
    case 'f': return '\f';
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'v': return '\v';
    default: return 0;
    }
}

// How a pattern matches: patternmatcher's match types.
enum class MatchKind { exact, prefix, suffix, regex };

struct Compiled {
    MatchKind kind = MatchKind::exact;
    std::vector<Token> tokens;  // regex only
};

class Compiler {
public:
    explicit Compiler(std::string_view pattern) : m_pattern(pattern), m_rest(pattern) {}

    // patternmatcher's compile(): walks the pattern once, deciding the match kind.
    Compiled compile();

private:
    char32_t next() {
        auto [r, n] = decode_rune(m_rest);
        m_rest.remove_prefix(n);
        return r;
    }
    char32_t peek() const { return m_rest.empty() ? 0 : decode_rune(m_rest).first; }
    bool at_end() const { return m_rest.empty(); }

    Token escaped(char32_t c, bool in_class);
    Token char_class();

    std::string_view m_pattern;
    std::string_view m_rest;
};

Token Compiler::escaped(char32_t c, bool in_class) {
    Token t;
    if (!is_ascii_alnum(c)) {
        t.rune = c;  // an escaped punctuation character is itself
        return t;
    }
    if (char32_t control = control_escape(c)) {
        t.rune = control;
        return t;
    }
    const char32_t lower = c | 0x20;
    if (!perl_class(lower).empty() && (c == lower || !in_class)) {
        t.kind = Token::Kind::char_class;
        t.ranges = perl_class(lower);
        t.negated = c != lower;
        return t;
    }
    throw_bad(m_pattern, fmt::format("the escape \\{} is a regular expression feature mab does not match",
                                     static_cast<char>(c)));
}

// A class as filepath.Match accepts it (the pattern was checked): `[` was read.
Token Compiler::char_class() {
    Token t;
    t.kind = Token::Kind::char_class;
    if (peek() == '^') {
        next();
        t.negated = true;
    }
    if (m_rest.substr(0, 2) == "[:") throw_bad(m_pattern, "POSIX character classes are not supported");
    bool first = true;
    while (!at_end() && (peek() != ']' || first)) {
        first = false;
        char32_t lo = next();
        if (lo == '\\') {
            Token e = escaped(next(), true);
            if (e.kind == Token::Kind::char_class) {
                t.ranges.insert(t.ranges.end(), e.ranges.begin(), e.ranges.end());
                continue;
            }
            lo = e.rune;
        }
        char32_t hi = lo;
        if (peek() == '-') {
            next();
            hi = next();
            if (hi == '\\') hi = escaped(next(), true).rune;
            if (hi < lo) throw_bad(m_pattern, "invalid character class range");
        }
        t.ranges.emplace_back(lo, hi);
    }
    if (at_end()) throw_bad(m_pattern, "missing closing ]");
    next();  // ']'
    return t;
}

Compiled Compiler::compile() {
    using Kind = MatchKind;
    Compiled out;
    Kind kind = Kind::exact;
    // `i` counts tokens, not characters: a leading `**` (even `**/`) makes a suffix match.
    for (int i = 0; !at_end(); ++i) {
        const char32_t c = next();
        Token t;
        if (c == '*' && peek() == '*') {
            next();
            if (peek() == '/') next();
            if (at_end()) {
                // A final `**` takes everything, as in .gitignore.
                if (kind == Kind::exact) {
                    kind = Kind::prefix;
                } else {
                    t.kind = Token::Kind::rest;
                    out.tokens.push_back(t);
                    kind = Kind::regex;
                }
            } else {
                t.kind = Token::Kind::dirs;
                out.tokens.push_back(t);
                kind = Kind::regex;
            }
            if (i == 0) kind = Kind::suffix;
            continue;
        }
        if (c == '*') {
            t.kind = Token::Kind::star;
            kind = Kind::regex;
        } else if (c == '?') {
            t.kind = Token::Kind::one;
            kind = Kind::regex;
        } else if (regexp_only_char(c)) {
            t.rune = c;
        } else if (c == '\\') {
            if (at_end()) {
                t.rune = c;
            } else {
                t = escaped(next(), false);
                kind = Kind::regex;
            }
        } else if (c == '[') {
            t = char_class();
            kind = Kind::regex;
        } else {
            t.rune = c;
            if (c == ']') kind = Kind::regex;
        }
        out.tokens.push_back(std::move(t));
    }
    out.kind = kind;
    if (kind != Kind::regex) out.tokens.clear();
    return out;
}


bool in_class(const Token& t, char32_t r) {
    bool found = false;
    for (const auto& [lo, hi] : t.ranges) found = found || (lo <= r && r <= hi);
    return found != t.negated;
}

// Anchored match of the tokens against the code points of `path`, tracking every
// position the tokens so far can end at (no backtracking, linear per token).
bool match_tokens(const std::vector<Token>& tokens, std::string_view path) {
    std::vector<char32_t> text;
    while (!path.empty()) {
        auto [r, n] = decode_rune(path);
        text.push_back(r);
        path.remove_prefix(n);
    }
    const size_t n = text.size();
    // Positions as bytes of a string (a std::vector<char> here trips g++ 12's
    // -Wnull-dereference false positive).
    std::string at(n + 1, '\0');
    at[0] = 1;
    for (const Token& t : tokens) {
        std::string next(n + 1, '\0');
        bool any = false;
        bool active = false;  // a run that started at a reachable position goes on
        for (size_t i = 0; i <= n; ++i) {
            switch (t.kind) {
            case Token::Kind::literal:
            case Token::Kind::one:
            case Token::Kind::char_class:
                if (at[i] && i < n) {
                    const char32_t r = text[i];
                    const bool ok = t.kind == Token::Kind::literal ? r == t.rune
                                    : t.kind == Token::Kind::one   ? r != '/'
                                                                   : in_class(t, r);
                    if (ok) next[i + 1] = 1;
                }
                break;
            case Token::Kind::star:  // [^/]*
                if (at[i]) active = true;
                if (active) next[i] = 1;
                if (i < n && text[i] == '/') active = false;
                break;
            case Token::Kind::dirs:  // (.*/)? where . is not a newline
                if (at[i]) {
                    next[i] = 1;
                    active = true;
                }
                if (i < n && active) {
                    if (text[i] == '\n') active = false;
                    else if (text[i] == '/') next[i + 1] = 1;
                }
                break;
            case Token::Kind::rest:  // .*
                if (at[i]) active = true;
                if (active) next[i] = 1;
                if (i < n && text[i] == '\n') active = false;
                break;
            }
        }
        for (char v : next) any = any || v;
        if (!any) return false;
        at.swap(next);
    }
    return at[n] != 0;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view trim_space(std::string_view s) {
    const std::string_view space = " \t\n\r\v\f";
    const size_t first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    return s.substr(first, s.find_last_not_of(space) - first + 1);
}

// fsutil's patternWithoutTrailingGlob.
std::string_view without_trailing_glob(std::string_view p) {
    if (ends_with(p, "/**")) p.remove_suffix(3);
    if (ends_with(p, "/*")) p.remove_suffix(2);
    return p;
}

} // namespace

struct ExcludePatterns::Pattern {
    std::string text;  // cleaned, without the leading "!"
    bool exception = false;
    Compiled compiled;

    bool matches(std::string_view path) const;
};

bool ExcludePatterns::Pattern::matches(std::string_view path) const {
    using Kind = MatchKind;
    switch (compiled.kind) {
    case Kind::exact: return path == text;
    case Kind::prefix: return starts_with(path, std::string_view(text).substr(0, text.size() - 2));
    case Kind::suffix: {
        const std::string_view suffix = std::string_view(text).substr(2);
        if (ends_with(path, suffix)) return true;
        // `**/foo` matches "foo"
        return !suffix.empty() && suffix[0] == '/' && path == suffix.substr(1);
    }
    case Kind::regex: return match_tokens(compiled.tokens, path);
    }
    return false;
}

ExcludePatterns::ExcludePatterns(const std::vector<std::string>& patterns) {
    for (const std::string& line : patterns) {
        std::string_view p = trim_space(line);
        if (p.empty()) continue;
        Pattern pattern;
        if (p[0] == '!') {
            if (p.size() == 1) throw Error(ErrorKind::input, "illegal exclusion pattern: \"!\"");
            pattern.exception = true;
            m_has_exceptions = true;
            p.remove_prefix(1);
        }
        try {
            validate_wildcard(p);  // filepath.Match's syntax errors, as patternmatcher checks
        } catch (const Error&) {
            throw_bad(p, "syntax error in pattern");
        }
        pattern.text = std::string(p);
        pattern.compiled = Compiler(p).compile();
        if (pattern.exception && without_trailing_glob(p).find_first_of("*[]?^\\") != std::string_view::npos)
            m_only_prefix_exceptions = false;
        m_patterns.push_back(std::move(pattern));
    }
}

ExcludePatterns::ExcludePatterns(const ExcludePatterns&) = default;
ExcludePatterns& ExcludePatterns::operator=(const ExcludePatterns&) = default;
ExcludePatterns::~ExcludePatterns() = default;

bool ExcludePatterns::empty() const { return m_patterns.empty(); }

bool ExcludePatterns::excluded(std::string_view path, const MatchInfo& parent, MatchInfo& info) const {
    if (!parent.empty() && parent.size() != m_patterns.size())
        throw Error(ErrorKind::internal, "exclude patterns: match info of another pattern list");
    info.assign(m_patterns.size(), false);
    bool matched = false;
    for (size_t i = 0; i < m_patterns.size(); ++i) {
        const Pattern& p = m_patterns[i];
        bool match = !parent.empty() && parent[i];
        if (!match) {
            // An exception only matters once the path is excluded, a pattern only while not.
            if (p.exception != matched) continue;
            match = p.matches(path);
            if (!match && parent.empty()) {
                // No walk to inherit from: try each parent directory ("a", "a/b", ...).
                for (size_t slash = path.find('/'); !match && slash != std::string_view::npos;
                     slash = path.find('/', slash + 1))
                    match = p.matches(path.substr(0, slash));
            }
        }
        info[i] = match;
        if (match) matched = !p.exception;
    }
    return matched;
}

bool ExcludePatterns::excluded(std::string_view path) const {
    MatchInfo info;
    return excluded(path, {}, info);
}

bool ExcludePatterns::may_reinclude_below(std::string_view dir) const {
    if (!m_has_exceptions) return false;
    if (!m_only_prefix_exceptions) return true;
    const std::string dir_slash = std::string(dir) + "/";
    for (const Pattern& p : m_patterns)
        if (p.exception && starts_with(std::string(without_trailing_glob(p.text)) + "/", dir_slash)) return true;
    return false;
}

} // namespace mab::engine::ops
