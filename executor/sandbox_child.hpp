// What the RUN's first process (the sandbox child) needs between clone() and exec, and
// the small helpers its setup steps share. The child runs in a possibly multi-threaded
// process right after clone(): everything here is prepared by the parent, and the
// child allocates nothing and only makes system calls, plus snprintf into stack buffers
// for error messages (%s and %d only: glibc formats those into a string without a lock
// or an allocation) with strerrordesc_np (strerror may translate: locks, allocations).
#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <vector>

#include "executor/command_init.hpp"

namespace mab::executor {

// A SandboxMount with its strings ready for the child.
struct ChildMount {
    bool tmpfs = false;
    bool directory = true;
    bool readonly = false;
    const char* source = nullptr;  // bind
    const char* target = nullptr;  // relative to the rootfs
    const char* shown = nullptr;   // the absolute target, for errors
    const char* data = nullptr;    // tmpfs options, or null
};

struct ChildContext {
    const char* rootfs = nullptr;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::vector<char> cwd;  // NUL-terminated, absolute, modified in place by mkdir -p
    uid_t uid = 0;
    gid_t gid = 0;
    bool linux32 = false;
    const std::vector<gid_t>* groups = nullptr;
    const char* hostname = nullptr;
    bool network_none = false;
    const char* generated_hosts = nullptr;
    const char* generated_resolv = nullptr;
    const char* generated_hostname = nullptr;
    const std::vector<ChildMount>* mounts = nullptr;
    const std::vector<sock_filter>* seccomp = nullptr;  // empty: no filter for this host
    int out_fd = -1;
    int err_fd = -1;
    int status_fd = -1;  // receives a message when setup fails; closed by exec on success
    int result_fd = -1;  // the init writes the command's wait status here (command_init.hpp)
    OwnStrings hide;     // mab's argv/environment strings, wiped in the init
    int cap_last = 0;
};

// Writes a+b+c2 to the status pipe and exits the child with 127.
[[noreturn]] void child_fail_text(const ChildContext& c, const char* a, const char* b, const char* c2);

// Writes "step path: strerror(errno)" to the status pipe and exits the child with 127.
[[noreturn]] void child_fail(const ChildContext& c, const char* step, const char* path);

// Opens (creating when missing) the directory `name` directly under `dir`, refusing
// symlinks and non-directories: a runtime mount point must never be redirected by the
// image (SECURITY §B 16). `shown` names it in errors.
int open_mount_dir(const ChildContext& c, int dir, const char* name, const char* shown);

// mount(2) onto the object `fd` refers to (through /proc/self/fd/N, so no path in the
// image is resolved again).
void mount_on_fd(const ChildContext& c, const char* source, int fd, const char* type, unsigned long flags,
                 const char* data, const char* shown);

// Creates (or opens) the regular file `name` under `dir` without following symlinks and
// bind-mounts `source` onto it.
void bind_file(const ChildContext& c, int dir, const char* name, const char* source, const char* shown);

// Re-opens `name` under `root` (a mount just made there) and fails unless its file
// system has the magic number `magic`.
int open_checked_mount(const ChildContext& c, int root, const char* name, long magic, const char* shown);

} // namespace mab::executor
