// Base64 (RFC 4648, standard alphabet, padded) for HTTP Basic auth and docker's
// config.json "auth" field.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mab::registry {

std::string base64_encode(std::string_view data);
// nullopt if `text` is not valid padded base64 (whitespace is not allowed).
std::optional<std::string> base64_decode(std::string_view text);

} // namespace mab::registry
