// /proc and /sys for a RUN, with the masked and read-only paths Docker's default spec
// (runc) gives a container. These file systems come from the kernel, not from the
// image, so paths under them are trusted once the mount itself has been checked.
#include "executor/sandbox_mounts.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mab::executor {

namespace {

// Docker's default MaskedPaths and ReadonlyPaths (moby oci/defaults.go).
constexpr const char* k_masked_proc[] = {"/proc/acpi",          "/proc/asound",      "/proc/interrupts",
                                         "/proc/kcore",         "/proc/keys",        "/proc/latency_stats",
                                         "/proc/sched_debug",   "/proc/scsi",        "/proc/timer_list",
                                         "/proc/timer_stats"};
constexpr const char* k_readonly_proc[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
constexpr const char* k_masked_sys[] = {"/sys/devices/virtual/powercap", "/sys/firmware"};

constexpr unsigned long k_kernel_fs_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

// `shown` without its first component ("/proc/kcore" -> "kcore"): the path under the
// mount whose fd we hold.
const char* relative_to_mount(const char* shown) { return std::strchr(shown + 1, '/') + 1; }

// Hides `shown` (under the mount `dir`): an empty read-only tmpfs over a directory,
// the host's /dev/null over anything else. Missing paths are skipped.
void mask(const ChildContext& c, int dir, const char* shown) {
    int fd = ::openat(dir, relative_to_mount(shown), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        child_fail(c, "open", shown);
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) child_fail(c, "stat", shown);
    if (S_ISDIR(st.st_mode))
        mount_on_fd(c, "tmpfs", fd, "tmpfs", MS_RDONLY | k_kernel_fs_flags, "mode=0555", shown);
    else
        mount_on_fd(c, "/dev/null", fd, nullptr, MS_BIND, nullptr, shown);
    ::close(fd);
}

void bind_read_only(const ChildContext& c, int from_dir, const char* from, int to, const char* shown) {
    attach_tree(c, from_dir, from, to, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                shown);
}

// Makes `shown` (under the mount `dir`) read-only by binding a read-only copy of it
// onto itself. Missing paths are skipped.
void make_read_only(const ChildContext& c, int dir, const char* shown) {
    int fd = ::openat(dir, relative_to_mount(shown), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        child_fail(c, "open", shown);
    }
    bind_read_only(c, fd, "", fd, shown);
    ::close(fd);
}

} // namespace

void attach_tree(const ChildContext& c, int from_dir, const char* from, int to, unsigned long long attr_set,
                 const char* shown) {
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_SYMLINK_NOFOLLOW;
    if (from[0] == '\0') flags |= AT_EMPTY_PATH;
    int tree = ::open_tree(from_dir, from, flags);
    if (tree < 0) child_fail(c, "open_tree", shown);
    if (attr_set != 0) {
        struct mount_attr attr {};
        attr.attr_set = attr_set;
        if (::mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0)
            child_fail(c, "set mount flags of", shown);
    }
    if (::move_mount(tree, "", to, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0)
        child_fail(c, "attach mount on", shown);
    ::close(tree);
}

void setup_proc(const ChildContext& c, int root) {
    int mount_point = open_mount_dir(c, root, "proc", "/proc");
    mount_on_fd(c, "proc", mount_point, "proc", k_kernel_fs_flags, nullptr, "/proc");
    ::close(mount_point);
    int proc = open_checked_mount(c, root, "proc", PROC_SUPER_MAGIC, "/proc");
    for (const char* path : k_masked_proc) mask(c, proc, path);
    for (const char* path : k_readonly_proc) make_read_only(c, proc, path);
    ::close(proc);
}

void setup_sys(const ChildContext& c, int root) {
    int mount_point = open_mount_dir(c, root, "sys", "/sys");
    // A sysfs instance shows the network devices of the namespace that mounts it, and
    // only the owner of that namespace may mount one: possible for --network=none,
    // never for the host's network. The kernel may still refuse (EPERM when the
    // host's /sys is not fully visible here); the bind is the fallback.
    bool fresh = false;
    if (c.network_none) {
        char target[64];
        std::snprintf(target, sizeof target, "/proc/self/fd/%d", mount_point);
        fresh = ::mount("sysfs", target, "sysfs", MS_RDONLY | k_kernel_fs_flags, nullptr) == 0;
        if (!fresh && errno != EPERM) child_fail(c, "mount", "/sys");
    }
    if (!fresh) bind_read_only(c, AT_FDCWD, "/sys", mount_point, "/sys");
    ::close(mount_point);
    int sys = open_checked_mount(c, root, "sys", SYSFS_MAGIC, "/sys");
    for (const char* path : k_masked_sys) mask(c, sys, path);
    ::close(sys);
}

} // namespace mab::executor
