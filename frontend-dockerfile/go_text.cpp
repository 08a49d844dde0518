#include "frontend-dockerfile/go_text.hpp"

#include <fmt/format.h>

#include <cstdint>

#include "frontend-dockerfile/go_unicode.hpp"

namespace mab::dockerfile {

namespace {

// Runes strconv.IsPrint rejects beyond ASCII, as far as mab cares: C1 controls, spaces
// other than ' ', and the format and private-use characters Dockerfiles could carry.
bool is_unprintable(char32_t r) {
    return (r >= 0x80 && r <= 0x9F) || is_go_space(r) || r == 0xAD || (r >= 0x200B && r <= 0x200F) ||
           (r >= 0x202A && r <= 0x202E) || (r >= 0x2060 && r <= 0x2064) || r == 0xFEFF ||
           (r >= 0xFFF9 && r <= 0xFFFB) || (r >= 0xE000 && r <= 0xF8FF);
}

} // namespace

std::string go_quote(std::string_view s) {
    std::string out = "\"";
    for (size_t pos = 0; pos < s.size();) {
        DecodedRune r = decode_rune(s, pos);
        unsigned char c = static_cast<unsigned char>(s[pos]);
        pos += r.width;
        if (r.rune == k_rune_error && r.width == 1) {
            out += fmt::format("\\x{:02x}", c);  // not UTF-8
            continue;
        }
        if (r.rune >= 0x80) {
            if (!is_unprintable(r.rune))
                append_rune(out, r.rune);
            else if (r.rune < 0x10000)
                out += fmt::format("\\u{:04x}", static_cast<uint32_t>(r.rune));
            else
                out += fmt::format("\\U{:08x}", static_cast<uint32_t>(r.rune));
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\a': out += "\\a"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\v': out += "\\v"; break;
        default:
            if (c < 0x20 || c == 0x7f)
                out += fmt::format("\\x{:02x}", c);
            else
                out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string go_quote_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + go_quote(items[i]);
    return out + "]";
}

std::string go_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (size_t i = 0; i < items.size(); ++i) out += (i ? " " : "") + items[i];
    return out + "]";
}

} // namespace mab::dockerfile
