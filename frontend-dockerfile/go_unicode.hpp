// Text as Go sees it, because BuildKit's shell lexer is Go: UTF-8 decoded one rune at a
// time (an invalid byte is U+FFFD, one byte wide, as utf8.DecodeRune says), and
// unicode.IsLetter / IsDigit / IsSpace deciding where names and words end.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mab::dockerfile {

constexpr char32_t k_rune_error = 0xFFFD;

struct DecodedRune {
    char32_t rune = 0;
    size_t width = 0;  // bytes used; 0 only at the end of the input
};

// The rune starting at byte `pos` of `text` (utf8.DecodeRuneInString).
DecodedRune decode_rune(std::string_view text, size_t pos);

// A rune and the byte offset it starts at.
struct RuneAt {
    char32_t rune;
    size_t offset;
};

// Every rune of `text` with its offset, as Go's `for i, r := range s` visits them.
std::vector<RuneAt> decode_runes(std::string_view text);

// Appends the UTF-8 of `rune` (utf8.AppendRune: surrogates and values past U+10FFFF
// become U+FFFD).
void append_rune(std::string& out, char32_t rune);

bool is_go_letter(char32_t rune);  // unicode.IsLetter (category L)
bool is_go_digit(char32_t rune);   // unicode.IsDigit (category Nd)
bool is_go_space(char32_t rune);   // unicode.IsSpace

namespace detail {
struct CodePointRange {
    char32_t first;
    char32_t last;
};
extern const CodePointRange k_letter_ranges[];
extern const size_t k_letter_range_count;
extern const CodePointRange k_digit_ranges[];
extern const size_t k_digit_range_count;
} // namespace detail

} // namespace mab::dockerfile
