// Test helpers: run code in a forked child that entered the build namespace.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "executor/user_namespace.hpp"

namespace mab::executor::testing {

// Forks; the child enters the build namespace, runs `fn` and sends back what it returns
// (or "EXCEPTION: <what>"). Keeps the test process itself out of any namespace.
inline std::string in_build_namespace(const std::function<std::string(const BuildNamespace&)>& fn) {
    int fds[2];
    if (::pipe(fds) != 0) return "EXCEPTION: pipe";
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        std::string out;
        try {
            BuildNamespace ns = enter_build_namespace();
            out = fn(ns);
        } catch (const std::exception& e) {
            out = std::string("EXCEPTION: ") + e.what();
        }
        size_t off = 0;
        while (off < out.size()) {
            ssize_t n = ::write(fds[1], out.data() + off, out.size() - off);
            if (n <= 0) break;
            off += static_cast<size_t>(n);
        }
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string result;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) result.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return result;
}

} // namespace mab::executor::testing
