// Test helpers: run code in a forked child that entered the build namespace.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>

#include "executor/sandbox.hpp"
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

// A tiny rootfs from the host's static busybox under `parent`, in a 0755 directory so
// any uid can use it, with /bin/<tool> links for `tools`.
inline std::filesystem::path make_busybox_rootfs(
    const std::filesystem::path& parent,
    std::initializer_list<const char*> tools = {"sh", "echo", "id", "hostname", "cat", "ls", "uname", "sleep",
                                                "mount", "pwd"}) {
    namespace fs = std::filesystem;
    fs::path root = parent / "rootfs";
    fs::create_directories(root / "bin");
    fs::permissions(root, fs::perms(0755));
    fs::copy_file("/bin/busybox", root / "bin/busybox");
    for (const char* tool : tools) fs::create_symlink("busybox", root / "bin" / tool);
    return root;
}

// The contents of `path` ("" when it cannot be read).
inline std::string file_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Captured {
    RunResult result;
    std::string out;
    std::string err;
};

// Runs `spec` in the sandbox and collects its output.
inline Captured run(SandboxSpec spec) {
    Captured c;
    spec.on_output = [&c](OutputStream s, std::string_view data) {
        (s == OutputStream::out ? c.out : c.err).append(data);
    };
    c.result = run_in_sandbox(spec);
    return c;
}

// `/bin/sh -c script` on `root` with PATH=/bin.
inline SandboxSpec shell(const std::filesystem::path& root, const std::string& script) {
    SandboxSpec spec;
    spec.rootfs = root;
    spec.argv = {"/bin/sh", "-c", script};
    spec.env = {"PATH=/bin"};
    return spec;
}

} // namespace mab::executor::testing
