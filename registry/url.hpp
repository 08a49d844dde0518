// Small URL helpers for registry URLs (no general URL parser: registries give us
// "scheme://host[:port]/path?query" and references give hosts).
#pragma once

#include <string>
#include <string_view>

namespace mab::registry {

// "https://reg:5000/v2/x" -> "reg:5000/v2/x" (http:// and https:// only).
std::string_view strip_scheme(std::string_view url);
// "https://reg:5000/v2/x?y" -> "reg:5000"; also accepts a URL without a scheme.
std::string host_of_url(std::string_view url);
// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);
// Appends "name=value" (already encoded) with '?' or '&'.
std::string with_query(const std::string& url, const std::string& query);

} // namespace mab::registry
