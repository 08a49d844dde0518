// One RUN process in its own PID, IPC, UTS (and optionally NET) and mount namespaces,
// on a prepared rootfs, with a minimal /dev, procfs and a read-only /sys (runc's masked
// and read-only paths), generated /etc files, dropped capabilities, no_new_privs and a
// seccomp filter (docs/security.md says what this isolates and what it does not).
// Must be called from a process already inside mab's user + mount namespace
// (enter_build_namespace()).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mab::executor {

enum class Network { host, none };

// A RUN --mount, made in the sandbox's mount namespace before pivot_root, after /proc,
// /sys, /dev and /etc, in the order given (a later target may lie inside an earlier
// one). Its target is created in the rootfs when missing (parents too, symlinks
// resolved inside the rootfs) and removed again after the RUN, so it leaves nothing in
// the layer.
struct SandboxMount {
    enum class Kind { bind, tmpfs };
    Kind kind = Kind::bind;
    // bind: a path in mab's mount namespace: a directory, or a file or socket (the
    // target is then a file).
    std::filesystem::path source;
    std::string target;  // absolute path in the rootfs
    bool readonly = false;
    std::optional<int64_t> size;  // tmpfs: its size in bytes (the kernel's default: half the RAM)
};
enum class OutputStream { out, err };

struct SandboxSpec {
    std::filesystem::path rootfs;     // prepared and writable; becomes "/"
    std::vector<std::string> argv;    // argv[0] is looked up in env's PATH when it has no '/'
    std::vector<std::string> env;     // "KEY=value"
    std::string cwd = "/";            // resolved inside the rootfs, created when missing
    uid_t uid = 0;
    gid_t gid = 0;
    // setgroups(2) list; ignored where the user namespace denies setgroups (a single-id
    // map, where no other group could be represented), as runc does.
    std::vector<gid_t> supplementary_gids;
    std::string hostname = "mab";
    // Report a 32-bit machine (personality PER_LINUX32): a linux/386 RUN on an amd64
    // host (or arm on arm64) runs natively, but `uname -m` must say i686 / armv7l.
    bool linux32 = false;
    Network network = Network::host;
    std::vector<SandboxMount> mounts;
    // Receives stdout/stderr chunks as they arrive (called on the caller's thread).
    std::function<void(OutputStream, std::string_view)> on_output;
    // Polled about every 100 ms; returning true kills the whole process tree.
    std::function<bool()> cancelled;
};

struct RunResult {
    int exit_code = 0;     // the process's exit code, or 128 + signal
    int signal = 0;        // the signal that killed it, 0 when it exited
    bool cancelled = false;
};

// Docker's default capability set (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
// SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP).
inline constexpr unsigned long long k_default_capabilities = 0xa80425fbULL;

// Runs spec.argv and waits for it (and with it its whole PID namespace). Throws
// Error(sandbox) when the sandbox cannot be set up or the command cannot be executed
// (the message names the step and path), e.g. when the image has /proc as a symlink.
RunResult run_in_sandbox(const SandboxSpec& spec);

} // namespace mab::executor
