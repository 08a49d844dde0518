#include "executor/sandbox_mounts.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>

namespace mab::executor {

void setup_dev(const ChildContext& c, int root) {
    int mount_point = open_mount_dir(c, root, "dev", "/dev");
    mount_on_fd(c, "tmpfs", mount_point, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k", "/dev");
    ::close(mount_point);
    // Re-open through the new mount; make sure it really is our fresh tmpfs.
    int dev = open_checked_mount(c, root, "dev", TMPFS_MAGIC, "/dev");

    static const char* const k_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char* const k_host[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"};
    for (size_t i = 0; i < sizeof k_nodes / sizeof k_nodes[0]; ++i) {
        int fd = ::openat(dev, k_nodes[i], O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd < 0) child_fail(c, "create /dev/", k_nodes[i]);
        mount_on_fd(c, k_host[i], fd, nullptr, MS_BIND, nullptr, k_host[i]);
        ::close(fd);
    }
    if (::mkdirat(dev, "pts", 0755) != 0) child_fail(c, "mkdir", "/dev/pts");
    int pts = ::openat(dev, "pts", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (pts < 0) child_fail(c, "open", "/dev/pts");
    mount_on_fd(c, "devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620", "/dev/pts");
    ::close(pts);
    if (::symlinkat("pts/ptmx", dev, "ptmx") != 0) child_fail(c, "symlink", "/dev/ptmx");
    if (::mkdirat(dev, "shm", 01777) != 0) child_fail(c, "mkdir", "/dev/shm");
    int shm = ::openat(dev, "shm", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (shm < 0) child_fail(c, "open", "/dev/shm");
    mount_on_fd(c, "shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", "/dev/shm");
    ::close(shm);
    static const char* const k_links[][2] = {
        {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"}};
    for (const auto& link : k_links)
        if (::symlinkat(link[0], dev, link[1]) != 0) child_fail(c, "symlink /dev/", link[1]);
    ::close(dev);
}

void setup_etc(const ChildContext& c, int root) {
    int etc = open_mount_dir(c, root, "etc", "/etc");
    bind_file(c, etc, "hosts", c.generated_hosts, "/etc/hosts");
    bind_file(c, etc, "resolv.conf", c.generated_resolv, "/etc/resolv.conf");
    bind_file(c, etc, "hostname", c.generated_hostname, "/etc/hostname");
    ::close(etc);
}

} // namespace mab::executor
