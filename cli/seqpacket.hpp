// Messages between mab and the helper processes it forks before entering its user
// namespace (the credential broker, the outside runner): one SOCK_SEQPACKET message per
// request or answer, made of NUL-terminated fields.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace mab::cli {

std::string pack_fields(const std::vector<std::string>& fields);
std::vector<std::string> unpack_fields(const std::string& message);

// `what` names the channel in errors.
void send_message(int fd, const std::string& message, const char* what);
// The next message, or nullopt when the other end is closed.
std::optional<std::string> receive_message(int fd, const char* what);

} // namespace mab::cli
