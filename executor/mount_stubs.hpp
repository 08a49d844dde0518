// The mount points a RUN needs that the image lacks (/proc, /sys, /dev, /etc and the
// files /etc/hosts, /etc/resolv.conf, /etc/hostname): created before the RUN and
// removed after it, so they do not end up in the RUN's layer. Creating them changes
// the times of the directories they are made in; when the RUN itself did not change
// those directories, their times are put back too, so a RUN that changes nothing
// (`RUN true`) leaves no layer, as with BuildKit.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <vector>

namespace mab::executor {

class MountStubs {
public:
    // Creates what is missing under the rootfs `root_fd` (an O_PATH descriptor), never
    // following a symlink.
    explicit MountStubs(int root_fd);
    // Removes what is left of them (remove() is idempotent).
    ~MountStubs();
    MountStubs(const MountStubs&) = delete;
    MountStubs& operator=(const MountStubs&) = delete;

    // Removes each stub that is still what we made (an empty regular file or an empty
    // directory) and puts back the times of the directories they were in, unless
    // something else changed those directories meanwhile.
    void remove() noexcept;

private:
    struct Parent {
        const char* name;                 // "" for the rootfs, else a direct child of it
        struct timespec before[2] = {};   // atime, mtime before the stubs were made
        struct timespec after_create = {};  // mtime once they were made
        bool known = false;
    };
    int m_root;
    std::vector<size_t> m_created;  // indexes into the stub table, in creation order
    std::vector<Parent> m_parents;
    bool m_removed = false;
};

} // namespace mab::executor
