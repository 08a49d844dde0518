#include "registry/subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include <fmt/format.h>

#include "base/error.hpp"

namespace mab::registry {

namespace {

constexpr size_t k_max_output = 1 << 20;

bool is_executable_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

void make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
}

} // namespace

std::string find_program(const std::string& name, const std::string& search_path) {
    if (name.find('/') != std::string::npos) return is_executable_file(name) ? name : std::string();
    std::string path = search_path;
    if (path.empty()) {
        const char* env = std::getenv("PATH");
        path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
    }
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        if (!dir.empty()) {
            std::string candidate = dir + "/" + name;
            if (is_executable_file(candidate)) return candidate;
        }
        start = end + 1;
    }
    return {};
}

Subprocess::Subprocess(const std::vector<std::string>& argv, const std::string& search_path,
                       const std::vector<std::string>& env_overrides) {
    if (argv.empty()) throw Error(ErrorKind::internal, "Subprocess: empty argv");
    std::string program = find_program(argv[0], search_path);
    if (program.empty())
        throw Error(ErrorKind::not_found, fmt::format("program {} not found", argv[0]));

    // Everything the child needs is prepared before fork: after it, only
    // async-signal-safe calls (another thread may hold malloc's lock).
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_strings = env_overrides;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string_view entry(*e);
        std::string_view key = entry.substr(0, entry.find('='));
        bool overridden = std::any_of(env_overrides.begin(), env_overrides.end(), [&](const std::string& o) {
            return std::string_view(o).substr(0, o.find('=')) == key;
        });
        if (!overridden) env_strings.emplace_back(entry);
    }
    std::vector<char*> envp;
    for (const std::string& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    // stdin is a socket so that writing to a child that already exited gives EPIPE
    // (send with MSG_NOSIGNAL) instead of killing us with SIGPIPE.
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) throw_errno("socketpair");
    UniqueFd child_in(sv[0]);
    m_stdin.reset(sv[1]);
    UniqueFd child_out, child_err;
    make_pipe(m_stdout, child_out);
    make_pipe(m_stderr, child_err);

    m_pid = ::fork();
    if (m_pid < 0) throw_errno("fork", argv[0]);
    if (m_pid == 0) {
        if (::dup2(child_in.get(), 0) < 0 || ::dup2(child_out.get(), 1) < 0 || ::dup2(child_err.get(), 2) < 0)
            ::_exit(127);
        ::close_range(3, ~0U, 0);
        ::execve(program.c_str(), args.data(), envp.data());
        ::_exit(127);
    }
}

Subprocess::Subprocess(Subprocess&& other) noexcept
    : m_pid(std::exchange(other.m_pid, -1)), m_stdin(std::move(other.m_stdin)),
      m_stdout(std::move(other.m_stdout)), m_stderr(std::move(other.m_stderr)) {}

Subprocess::~Subprocess() {
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        int status = 0;
        while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
}

int Subprocess::wait() {
    if (m_pid <= 0) throw Error(ErrorKind::internal, "Subprocess::wait: no child");
    int status = 0;
    while (::waitpid(m_pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno("waitpid");
    }
    m_pid = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

std::optional<int> Subprocess::wait_for(std::chrono::milliseconds timeout) {
    if (m_pid <= 0) throw Error(ErrorKind::internal, "Subprocess::wait_for: no child");
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        pid_t r = ::waitpid(m_pid, &status, WNOHANG);
        if (r < 0 && errno != EINTR) throw_errno("waitpid");
        if (r == m_pid) {
            m_pid = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        ::usleep(20'000);
    }
}

void Subprocess::kill(int signal) {
    if (m_pid > 0) ::kill(m_pid, signal);
}

ProcessResult run_process(const std::vector<std::string>& argv, std::string_view input,
                          std::chrono::seconds timeout, const std::string& search_path,
                          const std::vector<std::string>& env_overrides) {
    Subprocess child(argv, search_path, env_overrides);
    ProcessResult result;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t written = 0;
    if (input.empty()) child.close_stdin();
    bool out_open = true, err_open = true;
    while (out_open || err_open || child.stdin_fd() >= 0) {
        pollfd fds[3] = {{child.stdout_fd(), POLLIN, 0}, {child.stderr_fd(), POLLIN, 0},
                         {child.stdin_fd(), POLLOUT, 0}};
        if (!out_open) fds[0].fd = -1;
        if (!err_open) fds[1].fd = -1;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            child.kill(SIGKILL);
            throw Error(ErrorKind::io, fmt::format("{} did not finish within {} s", argv[0], timeout.count()));
        }
        int n = ::poll(fds, 3, static_cast<int>(left.count()));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("poll", argv[0]);
        }
        if (fds[2].revents != 0) {
            ssize_t w = ::send(child.stdin_fd(), input.data() + written, input.size() - written,
                               MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) written += static_cast<size_t>(w);
            if (w < 0 && errno != EAGAIN && errno != EINTR) written = input.size(); // child gone
            if (written == input.size()) child.close_stdin();
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].revents == 0) continue;
            char buf[4096];
            ssize_t r = ::read(fds[i].fd, buf, sizeof buf);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                (i == 0 ? out_open : err_open) = false;
                continue;
            }
            std::string& sink = i == 0 ? result.out : result.err;
            if (sink.size() < k_max_output) sink.append(buf, static_cast<size_t>(r));
        }
    }
    result.exit_code = child.wait();
    return result;
}

} // namespace mab::registry
