#include "cli/credential_broker.hpp"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "cli/seqpacket.hpp"
#include "registry/credentials.hpp"
#include "registry/docker_config.hpp"

namespace mab::cli {

namespace {

// One message per request (the host) and per answer (cli/seqpacket.hpp): "found" user
// secret source | "none" | "error" kind message hint.
constexpr const char* k_channel = "credential broker";

std::string answer(const registry::CredentialStore& store, const std::string& host) {
    try {
        std::optional<registry::Credentials> found = store.find(host);
        if (!found) return pack_fields({"none"});
        return pack_fields({"found", found->username, found->secret, found->source});
    } catch (const Error& e) {
        return pack_fields({"error", std::to_string(static_cast<int>(e.kind())), e.what(), e.hint()});
    } catch (const std::exception& e) {
        return pack_fields({"error", std::to_string(static_cast<int>(ErrorKind::internal)), e.what(), ""});
    }
}

[[noreturn]] void serve(int fd, const registry::Settings& settings) {
    registry::CredentialStore store(
        settings.docker_config.empty() ? registry::default_docker_config_path() : settings.docker_config,
        settings.helper_search_path);
    try {
        while (std::optional<std::string> request = receive_message(fd, k_channel)) {
            std::vector<std::string> fields = unpack_fields(*request);
            send_message(fd, fields.size() == 1 ? answer(store, fields[0]) : pack_fields({"bad request"}), k_channel);
        }
    } catch (...) {
        ::_exit(1);
    }
    ::_exit(0);   // no destructors or atexit handlers of the process we were forked from
}

} // namespace

CredentialBroker::CredentialBroker(const registry::Settings& settings) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) throw_errno("socketpair", "credential broker");
    UniqueFd ours(sv[0]);
    UniqueFd theirs(sv[1]);
    m_pid = ::fork();
    if (m_pid < 0) throw_errno("fork", "credential broker");
    if (m_pid == 0) {
        ours.reset();
        serve(theirs.get(), settings);
    }
    m_socket = std::move(ours);
}

CredentialBroker::~CredentialBroker() {
    m_socket.reset();
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
    }
}

std::optional<registry::Credentials> CredentialBroker::find(const std::string& host) {
    std::lock_guard<std::mutex> lock(m_mutex);
    send_message(m_socket.get(), pack_fields({host}), k_channel);
    std::optional<std::string> reply = receive_message(m_socket.get(), k_channel);
    std::vector<std::string> fields = reply ? unpack_fields(*reply) : std::vector<std::string>{};
    if (fields.size() == 4 && fields[0] == "found") return registry::Credentials{fields[1], fields[2], fields[3]};
    if (fields.size() == 1 && fields[0] == "none") return std::nullopt;
    if (fields.size() == 4 && fields[0] == "error") {
        Error error(static_cast<ErrorKind>(std::stoi(fields[1])), fields[2]);
        if (!fields[3].empty()) error.with_hint(fields[3]);
        throw error;
    }
    throw Error(ErrorKind::internal, fmt::format("looking up credentials for {}: the credential broker process "
                                                 "ended or answered nonsense",
                                                 host));
}

} // namespace mab::cli
