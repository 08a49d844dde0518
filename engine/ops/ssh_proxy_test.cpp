// The ssh-agent proxy against a real echoing unix socket server.
#include "engine/ops/ssh_proxy.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <thread>

#include "base/temp_dir.hpp"
#include "base/unique_fd.hpp"

namespace fs = std::filesystem;

namespace {

sockaddr_un address(const fs::path& p) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, p.c_str(), sizeof a.sun_path - 1);
    return a;
}

std::string ask(const fs::path& socket_path, const std::string& request) {
    mab::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a = address(socket_path);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return "connect failed";
    if (::write(fd.get(), request.data(), request.size()) != static_cast<ssize_t>(request.size())) return "write failed";
    char buf[256];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "closed";
}

} // namespace

TEST_CASE("the ssh-agent proxy forwards each connection and has the mount's mode") {
    mab::TempDir tmp(fs::temp_directory_path(), "mab-ssh-proxy-");
    const fs::path agent_path = tmp.path() / "agent";
    mab::UniqueFd agent(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un a = address(agent_path);
    REQUIRE(::bind(agent.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(agent.get(), 4) == 0);
    // A stand-in agent that answers two connections with "re:" + the request.
    std::thread server([&] {
        for (int i = 0; i < 2; ++i) {
            mab::UniqueFd c(::accept(agent.get(), nullptr, nullptr));
            char buf[256];
            ssize_t n = ::read(c.get(), buf, sizeof buf);
            std::string reply = "re:" + std::string(buf, static_cast<size_t>(n > 0 ? n : 0));
            if (::write(c.get(), reply.data(), reply.size()) < 0) return;
        }
    });
    {
        mab::engine::ops::SshAgentProxy proxy(agent_path, tmp.path() / "proxy", 0640, ::getuid(), ::getgid());
        struct stat st {};
        REQUIRE(::stat(proxy.path().c_str(), &st) == 0);
        CHECK(S_ISSOCK(st.st_mode));
        CHECK((st.st_mode & 0777) == 0640);
        CHECK(ask(proxy.path(), "one") == "re:one");
        CHECK(ask(proxy.path(), "two") == "re:two");
    }
    server.join();
    CHECK_FALSE(fs::exists(tmp.path() / "proxy"));
}
