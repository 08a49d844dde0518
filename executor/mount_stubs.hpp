// The mount points a RUN needs that the image lacks (/proc, /sys, /dev, /etc and the
// files /etc/hosts, /etc/resolv.conf, /etc/hostname, and the targets of RUN --mount):
// created before the RUN and removed after it, so they do not end up in the RUN's
// layer (BuildKit leaves no trace of them either). Creating them changes the times of
// the directories they are made in; when the RUN itself did not change those
// directories, their times are put back too, so a RUN that changes nothing
// (`RUN true`) leaves no layer, as with BuildKit.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>
#include <vector>

namespace mab::executor {

// One mount point a RUN needs: `path` relative to the rootfs ("var/cache/apt"), made
// with every missing parent.
struct MountPoint {
    std::string path;
    bool directory = true;  // else an empty regular file (a file or socket is bound there)
    // Resolve symlinks on the way inside the rootfs (a RUN --mount target, as BuildKit
    // resolves it); the runtime mount points never follow one (SECURITY §B 16).
    bool follow_symlinks = false;
};

class MountStubs {
public:
    // Creates what is missing of the runtime mount points and then of `extra`, in
    // order, under the rootfs `root_fd` (an O_PATH descriptor). What cannot be made is
    // skipped: the sandbox reports it when it mounts there.
    explicit MountStubs(int root_fd, const std::vector<MountPoint>& extra = {});
    // Removes what is left of them (remove() is idempotent).
    ~MountStubs();
    MountStubs(const MountStubs&) = delete;
    MountStubs& operator=(const MountStubs&) = delete;

    // Removes each stub that is still what we made (an empty regular file or an empty
    // directory), deepest first, and puts back the times of the directories they were
    // in, unless something else changed those directories meanwhile.
    void remove() noexcept;

private:
    struct Created {
        std::string parent;  // relative to the rootfs; "" for the rootfs itself
        std::string name;
        bool directory;
        int resolve;         // openat2 RESOLVE_* flags its parent is opened with
    };
    struct Parent {
        std::string path;
        int resolve = 0;
        struct timespec before[2] = {};     // atime, mtime before the stubs were made
        struct timespec after_create = {};  // mtime once they were made
        bool known = false;
    };
    void create(const MountPoint& point);
    void note_parent(const std::string& path, int resolve, int fd);

    int m_root;
    std::vector<Created> m_created;  // in creation order
    std::vector<Parent> m_parents;
    bool m_removed = false;
};

} // namespace mab::executor
