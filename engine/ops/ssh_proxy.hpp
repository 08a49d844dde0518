// RUN --mount=type=ssh: a socket of the RUN's own that forwards every connection to
// the ssh-agent socket the CLI named, as BuildKit forwards to the client's agent. The
// socket gets the mount's mode, uid and gid (0600, 0, 0 by default) whatever the
// agent's own socket has, and the agent's path never shows in the sandbox.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <thread>

#include "base/unique_fd.hpp"

namespace mab::engine::ops {

class SshAgentProxy {
public:
    // Listens on `listen_path` (a new socket, given `mode` and `owner`) and forwards to
    // `agent` until destroyed. Throws Error naming the path when it cannot listen.
    SshAgentProxy(const std::filesystem::path& agent, const std::filesystem::path& listen_path, mode_t mode,
                  uid_t uid, gid_t gid);
    ~SshAgentProxy();
    SshAgentProxy(const SshAgentProxy&) = delete;
    SshAgentProxy& operator=(const SshAgentProxy&) = delete;

    const std::filesystem::path& path() const { return m_path; }

private:
    void serve();

    std::filesystem::path m_agent;
    std::filesystem::path m_path;
    UniqueFd m_listen;
    UniqueFd m_stop_read, m_stop_write;
    std::thread m_thread;
};

} // namespace mab::engine::ops
