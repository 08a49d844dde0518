#include "engine/ops/wildcard.hpp"

#include <fmt/format.h>

#include <cstdint>

#include "base/error.hpp"

namespace mab::engine::ops {

namespace {

// The structure follows Go's path/filepath match.go so that the corner cases (which
// patterns are errors, and when) stay the same.

constexpr char32_t k_rune_error = 0xFFFD;

struct BadPattern {};

struct Chunk {
    bool star = false;
    std::string_view chunk;
    std::string_view rest;
};

// Splits off leading stars and the literal/class chunk up to the next star.
Chunk scan_chunk(std::string_view pattern) {
    Chunk out;
    while (!pattern.empty() && pattern[0] == '*') {
        pattern.remove_prefix(1);
        out.star = true;
    }
    bool in_range = false;
    size_t i = 0;
    for (; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\') {
            if (i + 1 < pattern.size()) ++i;  // the error, if any, is found by match_chunk
        } else if (c == '[') {
            in_range = true;
        } else if (c == ']') {
            in_range = false;
        } else if (c == '*' && !in_range) {
            break;
        }
    }
    out.chunk = pattern.substr(0, i);
    out.rest = pattern.substr(i);
    return out;
}

// One (possibly escaped) character of a class; throws BadPattern where Go's getEsc
// returns ErrBadPattern.
char32_t class_char(std::string_view& chunk) {
    if (chunk.empty() || chunk[0] == '-' || chunk[0] == ']') throw BadPattern{};
    if (chunk[0] == '\\') {
        chunk.remove_prefix(1);
        if (chunk.empty()) throw BadPattern{};
    }
    const auto [r, n] = decode_rune(chunk);
    if (r == k_rune_error && n == 1) throw BadPattern{};
    chunk.remove_prefix(n);
    if (chunk.empty()) throw BadPattern{};
    return r;
}

// Matches `chunk` against the front of `s`; on success returns true and leaves the
// unmatched rest in `s`. After a mismatch it keeps parsing (without reading `s`) so
// malformed chunks are reported whatever the input.
bool match_chunk(std::string_view chunk, std::string_view& s) {
    bool failed = false;
    while (!chunk.empty()) {
        if (!failed && s.empty()) failed = true;
        switch (chunk[0]) {
        case '[': {
            char32_t r = 0;
            if (!failed) {
                const auto [rune, n] = decode_rune(s);
                r = rune;
                s.remove_prefix(n);
            }
            chunk.remove_prefix(1);
            bool negated = false;
            if (!chunk.empty() && (chunk[0] == '^' || chunk[0] == '!')) {
                negated = true;
                chunk.remove_prefix(1);
            }
            bool matched = false;
            int ranges = 0;
            for (;;) {
                if (!chunk.empty() && chunk[0] == ']' && ranges > 0) {
                    chunk.remove_prefix(1);
                    break;
                }
                const char32_t lo = class_char(chunk);
                char32_t hi = lo;
                if (chunk[0] == '-') {
                    chunk.remove_prefix(1);
                    hi = class_char(chunk);
                }
                if (lo <= r && r <= hi) matched = true;
                ++ranges;
            }
            if (matched == negated) failed = true;
            break;
        }
        case '?':
            if (!failed) {
                if (s[0] == '/') failed = true;
                s.remove_prefix(decode_rune(s).second);
            }
            chunk.remove_prefix(1);
            break;
        case '\\':
            chunk.remove_prefix(1);
            if (chunk.empty()) throw BadPattern{};
            [[fallthrough]];
        default:
            if (!failed) {
                if (chunk[0] != s[0]) failed = true;
                s.remove_prefix(1);
            }
            chunk.remove_prefix(1);
            break;
        }
    }
    return !failed;
}

bool match(std::string_view pattern, std::string_view name) {
    while (!pattern.empty()) {
        const Chunk c = scan_chunk(pattern);
        pattern = c.rest;
        if (c.star && c.chunk.empty()) {
            // A trailing star matches the rest of the name unless it holds a '/'.
            return name.find('/') == std::string_view::npos;
        }
        std::string_view t = name;
        const bool ok = match_chunk(c.chunk, t);
        // The last chunk must use up the name; otherwise a star may still match more.
        if (ok && (t.empty() || !pattern.empty())) {
            name = t;
            continue;
        }
        bool advanced = false;
        if (c.star) {
            // Retry the chunk after skipping i+1 bytes; a star never skips a '/'.
            for (size_t i = 0; i < name.size() && name[i] != '/'; ++i) {
                std::string_view u = name.substr(i + 1);
                if (match_chunk(c.chunk, u)) {
                    if (pattern.empty() && !u.empty()) continue;
                    name = u;
                    advanced = true;
                    break;
                }
            }
        }
        if (advanced) continue;
        // No match: still report a malformed rest of the pattern, as Go does.
        while (!pattern.empty()) {
            const Chunk next = scan_chunk(pattern);
            pattern = next.rest;
            std::string_view empty;
            match_chunk(next.chunk, empty);
        }
        return false;
    }
    return name.empty();
}

[[noreturn]] void throw_bad_pattern(std::string_view pattern) {
    throw Error(ErrorKind::input, fmt::format("invalid wildcard pattern \"{}\": syntax error in pattern", pattern));
}

} // namespace

std::pair<char32_t, size_t> decode_rune(std::string_view s) {
    if (s.empty()) return {k_rune_error, 0};
    const auto b0 = static_cast<unsigned char>(s[0]);
    if (b0 < 0x80) return {b0, 1};
    size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return {k_rune_error, 1};
    }
    if (s.size() < len) return {k_rune_error, 1};
    for (size_t i = 1; i < len; ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if ((b & 0xC0) != 0x80) return {k_rune_error, 1};
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {k_rune_error, 1};
    return {cp, len};
}

bool has_wildcard(std::string_view path) {
    for (size_t i = 0; i < path.size(); ++i) {
        const char c = path[i];
        if (c == '\\') {
            ++i;
        } else if (c == '*' || c == '?' || c == '[') {
            return true;
        }
    }
    return false;
}

bool wildcard_match(std::string_view pattern, std::string_view name) {
    try {
        return match(pattern, name);
    } catch (const BadPattern&) {
        throw_bad_pattern(pattern);
    }
}

void validate_wildcard(std::string_view pattern) {
    // Matching against "" walks every chunk of the pattern (see match()).
    wildcard_match(pattern, "");
}

} // namespace mab::engine::ops
