// Registry credentials looked up by a process that stays outside mab's user namespace.
//
// `mab build` moves into its own user namespace before any thread starts, where the user
// is uid 0 of a namespace of its own. A credential helper started from there can be cut
// off from the user's agents: D-Bus (docker-credential-secretservice) compares the uid a
// client claims with the socket's peer uid and refuses the mismatch, and agents that
// check ownership of their sockets or files see "root" instead of the user. So before
// entering the namespace, the build forks this broker; the registry client asks it for a
// host's credentials (it reads config.json and runs helpers out there) whenever it
// needs them, also for hosts it only learns about later (a FROM line).
#pragma once

#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>

#include "base/unique_fd.hpp"
#include "registry/settings.hpp"

namespace mab::cli {

class CredentialBroker {
public:
    // Forks the broker, which looks credentials up as `settings` say (docker config path,
    // helper search path). Call while the process is single-threaded.
    explicit CredentialBroker(const registry::Settings& settings);
    ~CredentialBroker();   // closes the socket, so the broker exits, and reaps it
    CredentialBroker(const CredentialBroker&) = delete;
    CredentialBroker& operator=(const CredentialBroker&) = delete;

    // The credentials for `host`, or nullopt; throws the broker's Error (never holding a
    // secret). For registry::Settings::find_credentials; thread-safe.
    std::optional<registry::Credentials> find(const std::string& host);

private:
    UniqueFd m_socket;
    pid_t m_pid = -1;
    std::mutex m_mutex;
};

} // namespace mab::cli
