#include "executor/sandbox_child.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mab::executor {

namespace {

void fd_path(int fd, char (&buf)[64]) { std::snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd); }

} // namespace

void child_fail_text(const ChildContext& c, const char* a, const char* b, const char* c2) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%s%s%s", a, b, c2);
    ssize_t ignored = ::write(c.status_fd, buf, std::strlen(buf));
    (void)ignored;
    ::_exit(127);
}

void child_fail(const ChildContext& c, const char* step, const char* path) {
    char buf[1024];
    int err = errno;
    const char* text = ::strerrordesc_np(err);  // strerror may translate: locks, allocations
    std::snprintf(buf, sizeof buf, "%s %s: %s", step, path, text != nullptr ? text : "unknown error");
    ssize_t ignored = ::write(c.status_fd, buf, std::strlen(buf));
    (void)ignored;
    ::_exit(127);
}

int open_mount_dir(const ChildContext& c, int dir, const char* name, const char* shown) {
    struct stat st {};
    if (::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) child_fail(c, "stat", shown);
        if (::mkdirat(dir, name, 0755) != 0) child_fail(c, "mkdir", shown);
    } else if (S_ISLNK(st.st_mode)) {
        child_fail_text(c, "refusing to mount on ", shown, ": it is a symlink in the image");
    } else if (!S_ISDIR(st.st_mode)) {
        child_fail_text(c, "refusing to mount on ", shown, ": it is not a directory in the image");
    }
    int fd = ::openat(dir, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) child_fail(c, "open", shown);
    return fd;
}

void mount_on_fd(const ChildContext& c, const char* source, int fd, const char* type, unsigned long flags,
                 const char* data, const char* shown) {
    char target[64];
    fd_path(fd, target);
    if (::mount(source, target, type, flags, data) != 0) child_fail(c, "mount", shown);
}

void bind_file(const ChildContext& c, int dir, const char* name, const char* source, const char* shown) {
    int fd = ::openat(dir, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == ELOOP) child_fail_text(c, "refusing to mount on ", shown, ": it is a symlink in the image");
        child_fail(c, "create", shown);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) child_fail(c, "stat", shown);
    if (!S_ISREG(st.st_mode)) child_fail_text(c, "refusing to mount on ", shown, ": it is not a regular file");
    mount_on_fd(c, source, fd, nullptr, MS_BIND, nullptr, shown);
    ::close(fd);
}

int open_checked_mount(const ChildContext& c, int root, const char* name, long magic, const char* shown) {
    int fd = ::openat(root, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) child_fail(c, "open", shown);
    struct statfs sfs {};
    if (::fstatfs(fd, &sfs) != 0) child_fail(c, "statfs", shown);
    if (sfs.f_type != magic) child_fail_text(c, shown, " is not the file system the sandbox just mounted there", "");
    return fd;
}

} // namespace mab::executor
