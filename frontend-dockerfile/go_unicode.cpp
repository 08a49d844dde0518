#include "frontend-dockerfile/go_unicode.hpp"

#include <algorithm>

namespace mab::dockerfile {

namespace {

bool in_ranges(char32_t rune, const detail::CodePointRange* ranges, size_t count) {
    const detail::CodePointRange* end = ranges + count;
    const detail::CodePointRange* it = std::upper_bound(
        ranges, end, rune, [](char32_t r, const detail::CodePointRange& range) { return r < range.first; });
    return it != ranges && rune <= (it - 1)->last;
}

bool is_continuation(unsigned char c, unsigned char low = 0x80, unsigned char high = 0xBF) {
    return c >= low && c <= high;
}

} // namespace

DecodedRune decode_rune(std::string_view text, size_t pos) {
    if (pos >= text.size()) return {0, 0};
    auto byte = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
    const size_t left = text.size() - pos;
    unsigned char c0 = byte(0);
    if (c0 < 0x80) return {c0, 1};
    const DecodedRune invalid{k_rune_error, 1};
    if (c0 >= 0xC2 && c0 <= 0xDF) {
        if (left < 2 || !is_continuation(byte(1))) return invalid;
        return {static_cast<char32_t>((c0 & 0x1F) << 6 | (byte(1) & 0x3F)), 2};
    }
    if (c0 >= 0xE0 && c0 <= 0xEF) {
        // E0 needs A0..BF next (no overlong forms); ED needs 80..9F (no surrogates).
        unsigned char low = c0 == 0xE0 ? 0xA0 : 0x80, high = c0 == 0xED ? 0x9F : 0xBF;
        if (left < 3 || !is_continuation(byte(1), low, high) || !is_continuation(byte(2))) return invalid;
        return {static_cast<char32_t>((c0 & 0x0F) << 12 | (byte(1) & 0x3F) << 6 | (byte(2) & 0x3F)), 3};
    }
    if (c0 >= 0xF0 && c0 <= 0xF4) {
        // F0 needs 90..BF next (no overlong forms); F4 needs 80..8F (nothing past U+10FFFF).
        unsigned char low = c0 == 0xF0 ? 0x90 : 0x80, high = c0 == 0xF4 ? 0x8F : 0xBF;
        if (left < 4 || !is_continuation(byte(1), low, high) || !is_continuation(byte(2)) ||
            !is_continuation(byte(3)))
            return invalid;
        return {static_cast<char32_t>((c0 & 0x07) << 18 | (byte(1) & 0x3F) << 12 | (byte(2) & 0x3F) << 6 |
                                      (byte(3) & 0x3F)),
                4};
    }
    return invalid;
}

std::vector<RuneAt> decode_runes(std::string_view text) {
    std::vector<RuneAt> out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
        DecodedRune r = decode_rune(text, pos);
        out.push_back({r.rune, pos});
        pos += r.width;
    }
    return out;
}

void append_rune(std::string& out, char32_t rune) {
    if (rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) rune = k_rune_error;
    if (rune < 0x80) {
        out += static_cast<char>(rune);
    } else if (rune < 0x800) {
        out += static_cast<char>(0xC0 | (rune >> 6));
        out += static_cast<char>(0x80 | (rune & 0x3F));
    } else if (rune < 0x10000) {
        out += static_cast<char>(0xE0 | (rune >> 12));
        out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (rune & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (rune >> 18));
        out += static_cast<char>(0x80 | ((rune >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((rune >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (rune & 0x3F));
    }
}

bool is_go_letter(char32_t rune) {
    if (rune < 0x80) return (rune >= 'a' && rune <= 'z') || (rune >= 'A' && rune <= 'Z');
    return in_ranges(rune, detail::k_letter_ranges, detail::k_letter_range_count);
}

bool is_go_digit(char32_t rune) {
    if (rune < 0x80) return rune >= '0' && rune <= '9';
    return in_ranges(rune, detail::k_digit_ranges, detail::k_digit_range_count);
}

bool is_go_space(char32_t rune) {
    switch (rune) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return rune >= 0x2000 && rune <= 0x200A;
    }
}

} // namespace mab::dockerfile
