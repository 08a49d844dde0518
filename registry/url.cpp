#include "registry/url.hpp"

#include <cctype>

#include <fmt/format.h>

namespace mab::registry {

std::string_view strip_scheme(std::string_view url) {
    for (std::string_view scheme : {"https://", "http://"})
        if (url.substr(0, scheme.size()) == scheme) return url.substr(scheme.size());
    return url;
}

std::string host_of_url(std::string_view url) {
    std::string_view rest = strip_scheme(url);
    return std::string(rest.substr(0, rest.find_first_of("/?#")));
}

std::string percent_encode(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += c;
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

std::string with_query(const std::string& url, const std::string& query) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + query;
}

} // namespace mab::registry
