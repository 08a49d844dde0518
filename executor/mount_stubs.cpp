#include "executor/mount_stubs.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/unique_fd.hpp"

namespace mab::executor {

namespace {

// Directories first: /etc must exist before its files are made.
const MountPoint k_runtime_points[] = {{"etc", true, false},          {"proc", true, false},
                                       {"sys", true, false},          {"dev", true, false},
                                       {"etc/hosts", false, false},   {"etc/resolv.conf", false, false},
                                       {"etc/hostname", false, false}};

// `path` ("" = the rootfs) opened below `root` with openat2's `resolve` rules.
UniqueFd open_below(int root, const std::string& path, int flags, int resolve) {
    struct open_how how {};
    how.flags = static_cast<__u64>(flags | O_CLOEXEC);
    how.resolve = static_cast<__u64>(resolve);
    const char* p = path.empty() ? "." : path.c_str();
    return UniqueFd(static_cast<int>(::syscall(SYS_openat2, root, p, &how, sizeof how)));
}

bool same_time(const struct timespec& a, const struct timespec& b) {
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

} // namespace

MountStubs::MountStubs(int root_fd, const std::vector<MountPoint>& extra) : m_root(root_fd) {
    for (const MountPoint& point : k_runtime_points) create(point);
    for (const MountPoint& point : extra) create(point);
    for (Parent& p : m_parents) {
        UniqueFd fd = open_below(m_root, p.path, O_PATH | O_DIRECTORY, p.resolve);
        struct stat st {};
        if (fd && ::fstat(fd.get(), &st) == 0) p.after_create = st.st_mtim;
        else p.known = false;
    }
}

MountStubs::~MountStubs() { remove(); }

// The parent's times before our first change to it.
void MountStubs::note_parent(const std::string& path, int resolve, int fd) {
    for (const Parent& p : m_parents)
        if (p.path == path) return;
    Parent p{path, resolve};
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
        p.before[0] = st.st_atim;
        p.before[1] = st.st_mtim;
        p.known = true;
    }
    m_parents.push_back(p);
}

void MountStubs::create(const MountPoint& point) {
    const int resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | (point.follow_symlinks ? 0 : RESOLVE_NO_SYMLINKS);
    std::string parent;
    size_t start = 0;
    while (start < point.path.size()) {
        size_t slash = point.path.find('/', start);
        const bool last = slash == std::string::npos;
        const std::string name = point.path.substr(start, last ? std::string::npos : slash - start);
        start = last ? point.path.size() : slash + 1;
        if (name.empty() || name == ".") continue;
        const std::string path = parent.empty() ? name : parent + "/" + name;
        const bool directory = !last || point.directory;
        if (UniqueFd existing = open_below(m_root, path, O_PATH, resolve)) {
            parent = path;
            continue;
        }
        if (errno != ENOENT) return;  // a symlink where none may be, a file as a parent…
        UniqueFd dir = open_below(m_root, parent, O_RDONLY | O_DIRECTORY, resolve);
        if (!dir) return;
        note_parent(parent, resolve, dir.get());
        int rc = directory ? ::mkdirat(dir.get(), name.c_str(), 0755)
                           : ::openat(dir.get(), name.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                                      0644);
        if (rc < 0) return;  // e.g. a dangling symlink is there: the sandbox reports it
        if (!directory) ::close(rc);
        // Not the umask's mode: what a mount point of this kind has.
        ::fchmodat(dir.get(), name.c_str(), directory ? 0755 : 0644, 0);
        m_created.push_back({parent, name, directory, resolve});
        parent = path;
    }
}

void MountStubs::remove() noexcept {
    if (m_removed) return;
    m_removed = true;
    // Which parents the RUN left alone (checked before our removals change them).
    std::vector<bool> untouched(m_parents.size(), false);
    for (size_t i = 0; i < m_parents.size(); ++i) {
        UniqueFd fd = open_below(m_root, m_parents[i].path, O_PATH | O_DIRECTORY, m_parents[i].resolve);
        struct stat st {};
        untouched[i] = m_parents[i].known && fd && ::fstat(fd.get(), &st) == 0 &&
                       same_time(st.st_mtim, m_parents[i].after_create);
    }
    // Deepest first: files and subdirectories before their directories.
    for (auto it = m_created.rbegin(); it != m_created.rend(); ++it) {
        UniqueFd parent = open_below(m_root, it->parent, O_PATH | O_DIRECTORY, it->resolve);
        if (!parent) continue;
        struct stat st {};
        if (::fstatat(parent.get(), it->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (it->directory && S_ISDIR(st.st_mode))
            ::unlinkat(parent.get(), it->name.c_str(), AT_REMOVEDIR);  // fails harmlessly when not empty
        else if (!it->directory && S_ISREG(st.st_mode) && st.st_size == 0)
            ::unlinkat(parent.get(), it->name.c_str(), 0);
    }
    for (size_t i = 0; i < m_parents.size(); ++i) {
        if (!untouched[i]) continue;
        UniqueFd fd = open_below(m_root, m_parents[i].path, O_RDONLY | O_DIRECTORY, m_parents[i].resolve);
        if (fd) ::futimens(fd.get(), m_parents[i].before);
    }
}

} // namespace mab::executor
