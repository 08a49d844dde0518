#include "frontend-dockerfile/syntax_directive.hpp"

#include <cctype>
#include <string>

namespace mab::dockerfile {

namespace {

bool consume(std::string_view& text, std::string_view prefix) {
    if (text.substr(0, prefix.size()) != prefix) return false;
    text.remove_prefix(prefix.size());
    return true;
}

// A decimal number without sign; false when there is none.
bool consume_number(std::string_view& text, int& value) {
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0 || digits > 6) return false;
    value = std::stoi(std::string(text.substr(0, digits)));
    text.remove_prefix(digits);
    return true;
}

} // namespace

bool names_implemented_syntax(std::string_view value) {
    if (size_t at = value.find('@'); at != std::string_view::npos) {
        if (value.substr(at + 1, 7) != "sha256:") return false;
        value = value.substr(0, at);
    }
    consume(value, "docker.io/");
    if (!consume(value, "docker/dockerfile:")) return false;
    int major = 0, minor = 0, patch = 0;
    if (!consume_number(value, major) || major != 1) return false;
    if (value.empty()) return true;  // docker/dockerfile:1, the stable 1.x syntax
    if (!consume(value, ".") || !consume_number(value, minor) || minor > k_implemented_syntax_minor) return false;
    if (consume(value, ".") && !consume_number(value, patch)) return false;
    return value.empty();
}

} // namespace mab::dockerfile
