// RUN --mount in the sandbox child: binds of prepared host paths and fresh tmpfs
// instances on targets inside the new root (created beforehand by MountStubs).
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "executor/sandbox_mounts.hpp"

namespace mab::executor {

namespace {

// The target resolved inside the root, as BuildKit resolves mount targets: a symlink
// on the way (or at the end) is followed, but never out of the root.
int open_target(const ChildContext& c, int root, const ChildMount& m) {
    struct open_how how {};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd = static_cast<int>(::syscall(SYS_openat2, root, m.target, &how, sizeof how));
    if (fd < 0) child_fail(c, "open mount target", m.shown);
    struct stat st {};
    if (::fstat(fd, &st) != 0) child_fail(c, "stat", m.shown);
    if (m.directory && !S_ISDIR(st.st_mode))
        child_fail_text(c, "cannot mount a directory on ", m.shown, ": it is not a directory in the image");
    if (!m.directory && !S_ISREG(st.st_mode))
        child_fail_text(c, "cannot mount a file on ", m.shown, ": it is not a regular file in the image");
    return fd;
}

} // namespace

void setup_run_mounts(const ChildContext& c, int root) {
    if (c.mounts == nullptr) return;
    for (const ChildMount& m : *c.mounts) {
        int target = open_target(c, root, m);
        if (m.tmpfs)
            mount_on_fd(c, "tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, m.data, m.shown);
        else
            attach_tree(c, AT_FDCWD, m.source, target, m.readonly ? MOUNT_ATTR_RDONLY : 0, m.shown);
        ::close(target);
    }
}

} // namespace mab::executor
