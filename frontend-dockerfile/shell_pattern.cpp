#include "frontend-dockerfile/shell_pattern.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "frontend-dockerfile/go_unicode.hpp"

namespace mab::dockerfile {

namespace {

using Runes = std::vector<char32_t>;

Runes runes_of(std::string_view text) {
    Runes out;
    for (const RuneAt& r : decode_runes(text)) out.push_back(r.rune);
    return out;
}

std::string text_of(const Runes& runes) {
    std::string out;
    for (char32_t r : runes) append_rune(out, r);
    return out;
}

struct Token {
    enum class Kind { literal, any_char, any_run } kind;
    char32_t rune = 0;
};

// `?` and `*` stand for Go's ".", which matches any rune but a newline.
bool token_takes(const Token& token, char32_t rune) {
    return token.kind == Token::Kind::literal ? rune == token.rune : rune != '\n';
}

// The pattern as BuildKit's convertShellPatternToRegex reads it (through Go's
// text/scanner, which skips a byte order mark at the very start). `shown` is the
// pattern text the error message quotes.
std::vector<Token> compile(const Runes& pattern, std::string_view shown) {
    std::vector<Token> tokens;
    size_t i = !pattern.empty() && pattern[0] == 0xFEFF ? 1 : 0;
    for (; i < pattern.size(); ++i) {
        char32_t r = pattern[i];
        if (r == '*') {
            tokens.push_back({Token::Kind::any_run});
        } else if (r == '?') {
            tokens.push_back({Token::Kind::any_char});
        } else if (r == '\\') {
            // `\}` and `\/` only protect the ${} syntax: the escape is not part of the pattern.
            if (i + 1 < pattern.size() && (pattern[i + 1] == '}' || pattern[i + 1] == '/')) continue;
            char32_t escaped = i + 1 < pattern.size() ? pattern[++i] : k_rune_error;
            if (escaped != '*' && escaped != '?' && escaped != '\\') {
                std::string message = "invalid pattern (" + std::string(shown) + ") in substitution: invalid escape '\\";
                append_rune(message, escaped);
                throw Error(ErrorKind::dockerfile, message + "'");
            }
            tokens.push_back({Token::Kind::literal, escaped});
        } else {
            tokens.push_back({Token::Kind::literal, r});
        }
    }
    return tokens;
}

// A `*` may match nothing: whoever is at a `*` is also just past it.
template <typename T, typename Merge>
void close_over_runs(const std::vector<Token>& tokens, std::vector<T>& states, Merge merge) {
    for (size_t i = 0; i < tokens.size(); ++i)
        if (tokens[i].kind == Token::Kind::any_run) merge(states[i + 1], states[i]);
}

// The end (in runes) of the shortest or longest prefix of `value` the pattern matches.
std::optional<size_t> match_prefix(const std::vector<Token>& tokens, const Runes& value, bool longest) {
    const size_t m = tokens.size();
    auto merge = [](char& to, char from) { to = to || from; };
    std::vector<char> on(m + 1, 0), next(m + 1, 0);
    on.at(0) = 1;  // at(): g++ 12 sees a null pointer in operator[] on a vector it cannot size
    close_over_runs(tokens, on, merge);
    std::optional<size_t> found;
    for (size_t p = 0;; ++p) {
        if (on[m]) {
            found = p;
            if (!longest) return found;
        }
        if (p == value.size()) break;
        std::fill(next.begin(), next.end(), 0);
        bool alive = false;
        for (size_t i = 0; i < m; ++i) {
            if (!on[i] || !token_takes(tokens[i], value[p])) continue;
            next[tokens[i].kind == Token::Kind::any_run ? i : i + 1] = 1;
            alive = true;
        }
        if (!alive) break;
        close_over_runs(tokens, next, merge);
        on.swap(next);
    }
    return found;
}

struct Match {
    size_t start;  // in runes
    size_t end;
};

// The leftmost match starting at or after `from`, and the longest one from there (what
// Go finds for a pattern whose `*` are greedy). Each state keeps the leftmost start
// that reached it: later starts in the same state can only do as well.
std::optional<Match> search(const std::vector<Token>& tokens, const Runes& value, size_t from) {
    const size_t m = tokens.size();
    constexpr size_t k_none = SIZE_MAX;
    auto merge = [](size_t& to, size_t from_start) { to = std::min(to, from_start); };
    std::vector<size_t> start(m + 1, k_none), next(m + 1, k_none);
    std::optional<Match> best;
    for (size_t p = from;; ++p) {
        if (!best) {
            start[0] = std::min(start[0], p);
            close_over_runs(tokens, start, merge);
        }
        if (start[m] != k_none && (!best || start[m] <= best->start))
            best = Match{start[m], p};
        if (best)
            for (size_t& s : start)
                if (s > best->start) s = k_none;
        if (p == value.size()) break;
        std::fill(next.begin(), next.end(), k_none);
        bool alive = false;
        for (size_t i = 0; i < m; ++i) {
            if (start[i] == k_none || !token_takes(tokens[i], value[p])) continue;
            merge(next[tokens[i].kind == Token::Kind::any_run ? i : i + 1], start[i]);
            alive = true;
        }
        if (best && !alive) break;
        close_over_runs(tokens, next, merge);
        start.swap(next);
    }
    return best;
}

// Go's Regexp.Expand for a pattern with no groups: $0 / ${0} is the match, $$ a `$`.
std::string expand_template(std::string_view tmpl, std::string_view match) {
    std::string out;
    for (;;) {
        size_t dollar = tmpl.find('$');
        if (dollar == std::string_view::npos) break;
        out += tmpl.substr(0, dollar);
        tmpl.remove_prefix(dollar + 1);
        if (!tmpl.empty() && tmpl[0] == '$') {
            out += '$';
            tmpl.remove_prefix(1);
            continue;
        }
        bool brace = !tmpl.empty() && tmpl[0] == '{';
        std::string_view rest = brace ? tmpl.substr(1) : tmpl;
        size_t i = 0;
        while (i < rest.size()) {
            DecodedRune r = decode_rune(rest, i);
            if (!is_go_letter(r.rune) && !is_go_digit(r.rune) && r.rune != '_') break;
            i += r.width;
        }
        std::string_view name = rest.substr(0, i);
        if (name.empty() || (brace && (i >= rest.size() || rest[i] != '}'))) {
            out += '$';  // malformed: the `$` is text
            continue;
        }
        tmpl = rest.substr(brace ? i + 1 : i);
        // Only group 0 exists; "00" or a name is no group and expands to nothing.
        if (name == "0") out += match;
    }
    out += tmpl;
    return out;
}

// Byte offset of rune index `i` (the end of the value for i == runes.size()).
size_t offset_of(const std::vector<RuneAt>& runes, size_t i, size_t total) {
    return i < runes.size() ? runes[i].offset : total;
}

Runes only_runes(const std::vector<RuneAt>& runes) {
    Runes out;
    out.reserve(runes.size());
    for (const RuneAt& r : runes) out.push_back(r.rune);
    return out;
}

// BuildKit's reversePattern: runes reversed, an escape kept in front of what it escapes.
Runes reverse_pattern(const Runes& pattern) {
    Runes out(pattern.size());
    const size_t last = pattern.empty() ? 0 : pattern.size() - 1;
    for (size_t i = 0; i < pattern.size();) {
        size_t at = last - i;
        if (pattern[i] == '\\' && i != last) {
            out[at - 1] = '\\';
            out[at] = pattern[i + 1];
            i += 2;
        } else {
            out[at] = pattern[i];
            ++i;
        }
    }
    return out;
}

} // namespace

std::string trim_pattern_prefix(std::string_view pattern, std::string_view value, bool longest) {
    std::vector<Token> tokens = compile(runes_of(pattern), pattern);
    std::vector<RuneAt> runes = decode_runes(value);
    std::optional<size_t> end = match_prefix(tokens, only_runes(runes), longest);
    if (!end) return std::string(value);
    return std::string(value.substr(offset_of(runes, *end, value.size())));
}

std::string trim_pattern_suffix(std::string_view pattern, std::string_view value, bool longest) {
    Runes reversed_pattern = reverse_pattern(runes_of(pattern));
    std::vector<Token> tokens = compile(reversed_pattern, text_of(reversed_pattern));
    Runes reversed = runes_of(value);
    std::reverse(reversed.begin(), reversed.end());
    std::optional<size_t> end = match_prefix(tokens, reversed, longest);
    Runes kept(reversed.begin() + static_cast<std::ptrdiff_t>(end.value_or(0)), reversed.end());
    std::reverse(kept.begin(), kept.end());
    return text_of(kept);
}

std::string replace_pattern_first(std::string_view pattern, std::string_view value, std::string_view replacement) {
    std::vector<Token> tokens = compile(runes_of(pattern), pattern);
    std::vector<RuneAt> runes = decode_runes(value);
    std::optional<Match> match = search(tokens, only_runes(runes), 0);
    if (!match) return std::string(value);
    return std::string(value.substr(0, offset_of(runes, match->start, value.size()))) + std::string(replacement) +
           std::string(value.substr(offset_of(runes, match->end, value.size())));
}

std::string replace_pattern_all(std::string_view pattern, std::string_view value, std::string_view replacement) {
    std::vector<Token> tokens = compile(runes_of(pattern), pattern);
    std::vector<RuneAt> runes = decode_runes(value);
    Runes plain = only_runes(runes);
    auto offset = [&](size_t i) { return offset_of(runes, i, value.size()); };
    // Go's Regexp.ReplaceAllString: an empty match right after a match is skipped, and
    // the search always moves on by at least one rune.
    std::string out;
    size_t last_end = 0;
    for (size_t pos = 0; pos <= plain.size();) {
        std::optional<Match> match = search(tokens, plain, pos);
        if (!match) break;
        out += value.substr(offset(last_end), offset(match->start) - offset(last_end));
        if (match->end > last_end || match->start == 0)
            out += expand_template(replacement, value.substr(offset(match->start), offset(match->end) - offset(match->start)));
        last_end = match->end;
        pos = match->end == pos ? pos + 1 : match->end;
    }
    out += value.substr(offset(last_end));
    return out;
}

} // namespace mab::dockerfile
