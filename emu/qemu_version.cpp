#include "emu/qemu_version.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/error.hpp"
#include "base/format.hpp"
#include "base/unique_fd.hpp"

namespace mab::emu {

namespace {

// Closes a posix_spawn_file_actions_t on every path out.
struct SpawnActions {
    posix_spawn_file_actions_t actions;
    SpawnActions() { ::posix_spawn_file_actions_init(&actions); }
    ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions); }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
};

int wait_status(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return status;
}

} // namespace

std::string read_qemu_version(const std::filesystem::path& qemu) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe", "qemu --version");
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    SpawnActions spawn;
    ::posix_spawn_file_actions_addopen(&spawn.actions, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(&spawn.actions, write_end.get(), 1);
    ::posix_spawn_file_actions_addopen(&spawn.actions, 2, "/dev/null", O_WRONLY, 0);
    // Descriptors other threads opened without O_CLOEXEC (fstreams, libcurl) stay ours.
    ::posix_spawn_file_actions_addclosefrom_np(&spawn.actions, 3);
    const std::string path = qemu.string();
    std::string flag = "--version";
    char* argv[] = {const_cast<char*>(path.c_str()), flag.data(), nullptr};
    char* envp[] = {nullptr};  // QEMU_* variables must not change what it prints
    pid_t pid = 0;
    const int err = ::posix_spawn(&pid, path.c_str(), &spawn.actions, nullptr, argv, envp);
    if (err != 0) throw Error(ErrorKind::emulation, fmt::format("run {} --version: {}", qemu, std::strerror(err)));
    write_end.reset();

    std::string out;
    char buf[1024];
    for (;;) {
        const ssize_t n = ::read(read_end.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (out.size() < 64 * 1024) out.append(buf, static_cast<std::size_t>(n));
    }
    const int status = wait_status(pid);
    if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw Error(ErrorKind::emulation,
                    fmt::format("{} --version failed ({})", qemu,
                                status >= 0 && WIFEXITED(status) ? fmt::format("exit code {}", WEXITSTATUS(status))
                                                                 : std::string("killed or lost")));
    std::string line = out.substr(0, out.find('\n'));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) throw Error(ErrorKind::emulation, fmt::format("{} --version printed nothing", qemu));
    return line;
}

std::string QemuVersions::of(const std::filesystem::path& qemu) {
    std::lock_guard lock(m_mutex);
    auto it = m_versions.find(qemu);
    if (it != m_versions.end()) return it->second;
    std::string version;
    try {
        version = read_qemu_version(qemu);
    } catch (const Error& e) {
        version = fmt::format("version unknown: {}", e.what());
    }
    return m_versions.emplace(qemu, version).first->second;
}

} // namespace mab::emu
