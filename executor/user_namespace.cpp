#include "executor/user_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mab::executor {

namespace {

void write_proc_file(const char* path, const std::string& data) {
    UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno("open", path);
    if (::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()))
        throw_errno("write", path);
}

void make_mounts_private() {
    // Nothing mab mounts may propagate back to the host's mount namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw_errno("make mounts private:", "/");
}

} // namespace

NamespaceMode enter_build_namespace() {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (uid == 0) {
        if (::unshare(CLONE_NEWNS) != 0) throw_errno("unshare(CLONE_NEWNS)");
        make_mounts_private();
        return NamespaceMode::host_root;
    }
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
        int err = errno;
        throw Error(ErrorKind::sandbox,
                    std::string("cannot create a user namespace: ") + std::strerror(err))
            .with_hint("mab needs unprivileged user namespaces: check `sysctl kernel.unprivileged_userns_clone` "
                       "and `user.max_user_namespaces` (they must allow at least one), or run as root");
    }
    write_proc_file("/proc/self/setgroups", "deny");
    write_proc_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1\n");
    write_proc_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1\n");
    make_mounts_private();
    return NamespaceMode::single_id_map;
}

} // namespace mab::executor
