#include "engine/ops/ssh_proxy.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"

namespace mab::engine::ops {

namespace {

sockaddr_un address_of(const std::filesystem::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.string().size() >= sizeof addr.sun_path)
        throw Error(ErrorKind::internal, fmt::format("socket path too long: {}", path));
    std::memcpy(addr.sun_path, path.c_str(), path.string().size());
    return addr;
}

// Writes all of `data`; false when the peer is gone.
bool write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
        ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

} // namespace

SshAgentProxy::SshAgentProxy(const std::filesystem::path& agent, const std::filesystem::path& listen_path,
                             mode_t mode, uid_t uid, gid_t gid)
    : m_agent(agent), m_path(listen_path) {
    const sockaddr_un addr = address_of(m_path);
    address_of(m_agent);  // checked now, not per connection
    m_listen.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!m_listen) throw_errno("socket", m_path.string());
    if (::bind(m_listen.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
        throw_errno("bind", m_path.string());
    if (::chown(m_path.c_str(), uid, gid) != 0)
        throw_errno(fmt::format("chown {}:{} (is it mapped in mab's user namespace?)", uid, gid), m_path.string());
    if (::chmod(m_path.c_str(), mode) != 0) throw_errno("chmod", m_path.string());
    if (::listen(m_listen.get(), 16) != 0) throw_errno("listen", m_path.string());
    int stop[2];
    if (::pipe2(stop, O_CLOEXEC) != 0) throw_errno("pipe2");
    m_stop_read.reset(stop[0]);
    m_stop_write.reset(stop[1]);
    m_thread = std::thread([this] { serve(); });
}

SshAgentProxy::~SshAgentProxy() {
    m_stop_write.reset();  // poll sees the pipe's end
    if (m_thread.joinable()) m_thread.join();
    ::unlink(m_path.c_str());
}

// One loop for the listening socket and every connection pair: client <-> agent.
void SshAgentProxy::serve() {
    struct Pair {
        UniqueFd client, agent;
    };
    std::vector<Pair> pairs;
    std::vector<char> buf(64 * 1024);
    for (;;) {
        std::vector<pollfd> fds = {{m_stop_read.get(), POLLIN, 0}, {m_listen.get(), POLLIN, 0}};
        for (const Pair& p : pairs) {
            fds.push_back({p.client.get(), POLLIN, 0});
            fds.push_back({p.agent.get(), POLLIN, 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[0].revents != 0) return;
        std::vector<bool> closed(pairs.size(), false);
        for (size_t i = 0; i < pairs.size(); ++i) {
            for (int side = 0; side < 2 && !closed[i]; ++side) {
                const pollfd& f = fds[2 + 2 * i + static_cast<size_t>(side)];
                if (f.revents == 0) continue;
                ssize_t n = ::recv(f.fd, buf.data(), buf.size(), 0);
                if (n < 0 && errno == EINTR) continue;
                int other = side == 0 ? pairs[i].agent.get() : pairs[i].client.get();
                if (n <= 0 || !write_all(other, buf.data(), static_cast<size_t>(n))) closed[i] = true;
            }
        }
        for (size_t i = pairs.size(); i-- > 0;)
            if (closed[i]) pairs.erase(pairs.begin() + static_cast<std::ptrdiff_t>(i));
        if (fds[1].revents != 0) {
            UniqueFd client(::accept4(m_listen.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!client) continue;
            UniqueFd upstream(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
            const sockaddr_un agent = address_of(m_agent);
            // An agent that is gone: the client sees its connection closed.
            if (upstream && ::connect(upstream.get(), reinterpret_cast<const sockaddr*>(&agent), sizeof agent) == 0)
                pairs.push_back({std::move(client), std::move(upstream)});
        }
    }
}

} // namespace mab::engine::ops
