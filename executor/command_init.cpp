#include "executor/command_init.hpp"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mab::executor {

namespace {

void wipe(const MemoryRange& range) {
    if (range.begin != nullptr && range.end > range.begin)
        std::memset(range.begin, 0, static_cast<std::size_t>(range.end - range.begin));
}

[[noreturn]] void fail(int status_fd, const char* what) {
    const int err = errno;
    char buf[256];
    const char* text = ::strerrordesc_np(err);  // strerror may translate: locks, allocations
    const int n = std::snprintf(buf, sizeof buf, "%s: %s", what, text != nullptr ? text : "unknown error");
    if (n > 0) {
        ssize_t ignored = ::write(status_fd, buf, static_cast<std::size_t>(n));
        (void)ignored;
    }
    ::_exit(127);
}

} // namespace

OwnStrings own_strings() {
    std::ifstream in("/proc/self/stat");
    std::stringstream text;
    text << in.rdbuf();
    const std::string stat = text.str();
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const std::size_t close = stat.rfind(')');
    if (close == std::string::npos) return {};
    std::istringstream fields(stat.substr(close + 1));
    std::vector<std::string> after;  // fields 3, 4, …
    for (std::string field; fields >> field;) after.push_back(field);
    // arg_start, arg_end, env_start, env_end are fields 48 to 51 (proc(5), Linux 3.5+).
    if (after.size() < 49) return {};
    auto address = [&after](std::size_t field) {
        return reinterpret_cast<char*>(static_cast<std::uintptr_t>(std::strtoull(after[field - 3].c_str(), nullptr, 10)));
    };
    return {{address(48), address(49)}, {address(50), address(51)}};
}

void fork_command_below_init(int status_fd, int result_fd, const OwnStrings& hide) {
    // A raw fork: glibc's fork() takes the malloc and stdio locks first, and another
    // thread of mab may have held one when the sandbox was cloned (the copy stays
    // locked forever in the child). What runs below uses no lock.
    const pid_t command = static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, 0));
    if (command < 0) fail(status_fd, "fork the command below the sandbox's init");
    if (command == 0) {
        ::close(result_fd);
        return;
    }
    // Only result_fd stays open. Besides our status pipe and stdio, this process holds
    // whatever the other threads of mab had open at clone() time (another RUN's output
    // pipe, a download's socket): kept here, that RUN would not see its pipe close
    // until this one ends.
    if (result_fd > 0) ::close_range(0, static_cast<unsigned>(result_fd) - 1, 0);
    ::close_range(static_cast<unsigned>(result_fd) + 1, ~0U, 0);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    wipe(hide.args);
    wipe(hide.env);
    for (;;) {
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid == command) {
            ssize_t ignored = ::write(result_fd, &status, sizeof status);
            (void)ignored;
            ::_exit(0);
        }
        if (pid < 0 && errno != EINTR) ::_exit(0);  // ECHILD cannot happen while the command lives
    }
}

std::optional<int> read_command_status(int result_read_fd) {
    int status = 0;
    std::size_t got = 0;
    while (got < sizeof status) {
        const ssize_t n = ::read(result_read_fd, reinterpret_cast<char*>(&status) + got, sizeof status - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        got += static_cast<std::size_t>(n);
    }
    return status;
}

} // namespace mab::executor
