#include "executor/mount_stubs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <iterator>

#include "base/error.hpp"
#include "base/unique_fd.hpp"

namespace mab::executor {

namespace {

struct Stub {
    const char* parent;  // "" for the rootfs itself
    const char* name;
    bool directory;
};

// Directories first: /etc must exist before its files are made.
constexpr Stub k_stubs[] = {{"", "etc", true},       {"", "proc", true},          {"", "sys", true},
                            {"", "dev", true},       {"etc", "hosts", false},     {"etc", "resolv.conf", false},
                            {"etc", "hostname", false}};

// Opens `parent` (a direct child of the rootfs, or the rootfs itself) without following symlinks.
UniqueFd open_parent(int root, const char* parent, int flags) {
    if (parent[0] == '\0') return UniqueFd(::openat(root, ".", flags | O_DIRECTORY | O_CLOEXEC));
    return UniqueFd(::openat(root, parent, flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

bool same_time(const struct timespec& a, const struct timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

} // namespace

MountStubs::MountStubs(int root_fd) : m_root(root_fd) {
    for (size_t index = 0; index < std::size(k_stubs); ++index) {
        const Stub& stub = k_stubs[index];
        UniqueFd parent = open_parent(m_root, stub.parent, O_RDONLY);
        struct stat st {};
        if (parent && ::fstatat(parent.get(), stub.name, &st, AT_SYMLINK_NOFOLLOW) == 0) continue;
        if (!parent) continue;  // its directory is a symlink or missing: the sandbox refuses it later
        // The parent's times before our first change to it.
        bool seen = false;
        for (const Parent& p : m_parents) seen = seen || std::strcmp(p.name, stub.parent) == 0;
        if (!seen) {
            Parent p{stub.parent};
            struct stat pst {};
            if (::fstat(parent.get(), &pst) == 0) {
                p.before[0] = pst.st_atim;
                p.before[1] = pst.st_mtim;
                p.known = true;
            }
            m_parents.push_back(p);
        }
        int rc = stub.directory ? ::mkdirat(parent.get(), stub.name, 0755)
                                : ::openat(parent.get(), stub.name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                                           0644);
        if (rc < 0) continue;  // the sandbox reports what it cannot mount on
        if (!stub.directory) ::close(rc);
        // Not the umask's mode: what a mount point of this kind has.
        ::fchmodat(parent.get(), stub.name, stub.directory ? 0755 : 0644, 0);
        m_created.push_back(index);
    }
    for (Parent& p : m_parents) {
        UniqueFd fd = open_parent(m_root, p.name, O_RDONLY);
        struct stat st {};
        if (fd && ::fstat(fd.get(), &st) == 0) p.after_create = st.st_mtim;
        else p.known = false;
    }
}

MountStubs::~MountStubs() { remove(); }

void MountStubs::remove() noexcept {
    if (m_removed) return;
    m_removed = true;
    // Which parents the RUN left alone (checked before our removals change them).
    std::vector<bool> untouched(m_parents.size(), false);
    for (size_t i = 0; i < m_parents.size(); ++i) {
        UniqueFd fd = open_parent(m_root, m_parents[i].name, O_RDONLY);
        struct stat st {};
        untouched[i] = m_parents[i].known && fd && ::fstat(fd.get(), &st) == 0 &&
                       same_time(st.st_mtim, m_parents[i].after_create);
    }
    // Files before their directories.
    for (auto it = m_created.rbegin(); it != m_created.rend(); ++it) {
        const Stub* stub = &k_stubs[*it];
        UniqueFd parent = open_parent(m_root, stub->parent, O_PATH);
        if (!parent) continue;
        struct stat st {};
        if (::fstatat(parent.get(), stub->name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (stub->directory && S_ISDIR(st.st_mode))
            ::unlinkat(parent.get(), stub->name, AT_REMOVEDIR);  // fails harmlessly when not empty
        else if (!stub->directory && S_ISREG(st.st_mode) && st.st_size == 0)
            ::unlinkat(parent.get(), stub->name, 0);
    }
    for (size_t i = 0; i < m_parents.size(); ++i) {
        if (!untouched[i]) continue;
        UniqueFd fd = open_parent(m_root, m_parents[i].name, O_RDONLY);
        if (fd) ::futimens(fd.get(), m_parents[i].before);
    }
}

} // namespace mab::executor
