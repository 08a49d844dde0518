#include "cli/seqpacket.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "base/error.hpp"

namespace mab::cli {

std::string pack_fields(const std::vector<std::string>& fields) {
    std::string out;
    for (const std::string& f : fields) {
        out += f;
        out += '\0';
    }
    return out;
}

std::vector<std::string> unpack_fields(const std::string& message) {
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t nul; (nul = message.find('\0', start)) != std::string::npos; start = nul + 1)
        fields.push_back(message.substr(start, nul - start));
    return fields;
}

void send_message(int fd, const std::string& message, const char* what) {
    while (::send(fd, message.data(), message.size(), MSG_NOSIGNAL) < 0)
        if (errno != EINTR) throw_errno("send", what);
}

std::optional<std::string> receive_message(int fd, const char* what) {
    for (;;) {
        ssize_t size = ::recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC);
        if (size < 0 && errno == EINTR) continue;
        if (size < 0) throw_errno("recv", what);
        if (size == 0) return std::nullopt;
        std::string message(static_cast<size_t>(size), '\0');
        ssize_t got = ::recv(fd, message.data(), message.size(), 0);
        if (got < 0 && errno == EINTR) continue;
        if (got != size) throw_errno("recv", what);
        return message;
    }
}

} // namespace mab::cli
