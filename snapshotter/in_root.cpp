#include "snapshotter/in_root.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>

#include "base/error.hpp"
#include "snapshotter/dir_entries.hpp"
#include "snapshotter/file_meta.hpp"

namespace mab::snapshotter {

namespace {

constexpr int k_max_symlinks = 40;  // as the kernel's MAXSYMLINKS

// openat2 relative to the root with RESOLVE_IN_ROOT: "/" and ".." never leave it.
int openat2_in_root(int root, std::string_view path, uint64_t flags) {
    std::string rel(path);
    size_t first = rel.find_first_not_of('/');
    rel = first == std::string::npos ? "." : rel.substr(first);
    struct open_how how = {};
    how.flags = flags | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0;; ++attempt) {
        long fd = ::syscall(SYS_openat2, root, rel.c_str(), &how, sizeof(how));
        // EAGAIN: a concurrent rename raced the lookup; the kernel asks us to retry.
        if (fd < 0 && (errno == EAGAIN || errno == EINTR) && attempt < 16) continue;
        return static_cast<int>(fd);
    }
}

std::optional<UniqueFd> open_in_root(int root, std::string_view path, uint64_t flags) {
    int fd = openat2_in_root(root, path, flags);
    if (fd >= 0) return UniqueFd(fd);
    // ENOTDIR: a middle component is a file, so the path does not exist either.
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw_errno("open", std::string(path));
}

struct stat fstat_fd(int fd, const std::string& what) {
    struct stat st {};
    if (::fstatat(fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0) throw_errno("stat", what);
    return st;
}

std::string join_components(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += "/" + p;
    return out.empty() ? "/" : out;
}

// Removes every entry of the open directory `dirfd`, never following symlinks.
void remove_contents(int dirfd, const std::string& display) {
    const std::vector<std::string> names = list_directory(dirfd, display);
    for (const std::string& n : names) remove_at(dirfd, n, display + "/" + n);
}

} // namespace

bool remove_at(int dirfd, const std::string& name, const std::string& display) {
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return false;
        throw_errno("stat", display);
    }
    if (S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub && errno == EACCES) {
            // A directory the build made unreadable (chmod 000): open it up to empty it.
            ::fchmodat(dirfd, name.c_str(), 0700, 0);
            sub.reset(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        }
        if (!sub) throw_errno("open", display);
        if ((st.st_mode & 0300) != 0300 && ::geteuid() != 0) ::fchmod(sub.get(), 0700);
        remove_contents(sub.get(), display);
        if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0) throw_errno("rmdir", display);
    } else if (::unlinkat(dirfd, name.c_str(), 0) != 0) {
        if (errno == ENOENT) return false;
        throw_errno("unlink", display);
    }
    return true;
}

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        std::string_view part = path.substr(i, j - i);
        if (!part.empty() && part != ".") out.emplace_back(part);
        i = j + 1;
    }
    return out;
}

std::string clean_path(std::string_view path) {
    std::vector<std::string> out;
    for (std::string& part : split_path(path)) {
        if (part == "..") {
            if (!out.empty()) out.pop_back();
        } else {
            out.push_back(std::move(part));
        }
    }
    return join_components(out);
}

RootFs::RootFs(const std::filesystem::path& dir) : m_host_path(dir) {
    m_root.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!m_root) throw_errno("open", dir.string());
}

std::optional<UniqueFd> RootFs::open_path(std::string_view path) const {
    return open_in_root(m_root.get(), path, O_PATH);
}

std::optional<UniqueFd> RootFs::open_path_nofollow(std::string_view path) const {
    return open_in_root(m_root.get(), path, O_PATH | O_NOFOLLOW);
}

std::optional<struct stat> RootFs::lstat(std::string_view path) const {
    std::optional<UniqueFd> fd = open_path_nofollow(path);
    if (!fd) return std::nullopt;
    return fstat_fd(fd->get(), std::string(path));
}

std::optional<struct stat> RootFs::stat(std::string_view path) const {
    std::optional<UniqueFd> fd = open_path(path);
    if (!fd) return std::nullopt;
    return fstat_fd(fd->get(), std::string(path));
}

std::string RootFs::resolve(std::string_view path) const {
    // A lexical walk that asks the kernel (in-root) about each prefix. The resolved
    // prefix never contains a symlink, so opening it in the root means exactly it.
    std::deque<std::string> todo;
    for (std::string& part : split_path(path)) todo.push_back(std::move(part));
    std::vector<std::string> done;
    int budget = k_max_symlinks;
    bool missing = false;  // below a missing component nothing can be a symlink
    while (!todo.empty()) {
        std::string part = std::move(todo.front());
        todo.pop_front();
        if (part == "..") {
            if (!done.empty()) done.pop_back();
            continue;
        }
        done.push_back(part);
        if (missing) continue;
        std::string prefix = join_components(done);
        std::optional<UniqueFd> fd = open_path_nofollow(prefix);
        if (!fd) {
            missing = true;
            continue;
        }
        struct stat st = fstat_fd(fd->get(), prefix);
        if (!S_ISLNK(st.st_mode)) continue;
        if (--budget < 0) throw_errno_code(ELOOP, "resolve", std::string(path));
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        ssize_t n = ::readlinkat(fd->get(), "", target.data(), target.size());
        if (n < 0) throw_errno("readlink", prefix);
        target.resize(static_cast<size_t>(std::min<ssize_t>(n, static_cast<ssize_t>(st.st_size))));
        done.pop_back();
        if (!target.empty() && target[0] == '/') done.clear();
        std::vector<std::string> parts = split_path(target);
        todo.insert(todo.begin(), parts.begin(), parts.end());
    }
    return join_components(done);
}

void RootFs::mkdir_all(std::string_view path, mode_t mode, std::optional<Ownership> owner,
                       std::optional<int64_t> mtime) {
    // Resolve symlinks first (in the root), then walk the resulting symlink-free path
    // one component at a time with O_NOFOLLOW: if something swaps a component for a
    // symlink meanwhile, the walk fails instead of following it.
    std::string resolved = resolve(path);
    UniqueFd cur(::openat(m_root.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!cur) throw_errno("open", m_host_path.string());
    std::vector<UniqueFd> created;
    std::string walked;
    for (const std::string& part : split_path(resolved)) {
        walked += "/" + part;
        UniqueFd next(::openat(cur.get(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!next && errno == ENOENT) {
            if (::mkdirat(cur.get(), part.c_str(), 0700) != 0 && errno != EEXIST)
                throw_errno("mkdir", walked);
            UniqueFd dir(::openat(cur.get(), part.c_str(),
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (!dir) throw_errno("open", walked);
            if (owner) change_owner_fd(dir.get(), *owner, walked);
            // After chown: chown clears setuid/setgid bits.
            if (::fchmod(dir.get(), mode & 07777) != 0) throw_errno("chmod", walked);
            next.reset(::openat(cur.get(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
            created.push_back(std::move(dir));
        }
        if (!next) throw_errno("open", walked);
        struct stat st = fstat_fd(next.get(), walked);
        if (!S_ISDIR(st.st_mode)) {
            throw Error(ErrorKind::input,
                        "mkdir " + std::string(path) + ": " + walked + " is not a directory");
        }
        cur = std::move(next);
    }
    // Times last, deepest first: creating a child changes its parent's mtime.
    if (mtime) {
        struct timespec times[2] = {{*mtime, 0}, {*mtime, 0}};
        for (auto it = created.rbegin(); it != created.rend(); ++it) {
            if (::futimens(it->get(), times) != 0) throw_errno("utimensat", std::string(path));
        }
    }
}

std::pair<UniqueFd, std::string> RootFs::open_parent(std::string_view path) const {
    std::vector<std::string> parts = split_path(path);
    std::string parent;
    std::string name;
    if (!parts.empty() && parts.back() != "..") {
        name = parts.back();
        parts.pop_back();
        parent = resolve(join_components(parts));
    } else {
        // "a/b/.." names what the walk ends at: resolve it fully, then split.
        std::vector<std::string> resolved = split_path(resolve(path));
        if (resolved.empty()) {
            throw Error(ErrorKind::input, std::string(path) + ": refers to the root directory");
        }
        name = resolved.back();
        resolved.pop_back();
        parent = join_components(resolved);
    }
    int fd = openat2_in_root(m_root.get(), parent, O_PATH | O_DIRECTORY);
    if (fd < 0) throw_errno("open", parent);
    return {UniqueFd(fd), name};
}

bool RootFs::remove(std::string_view path) {
    std::pair<UniqueFd, std::string> parent = [&] {
        try {
            return open_parent(path);
        } catch (const SystemError& e) {
            if (e.code() == ENOENT || e.code() == ENOTDIR) return std::pair<UniqueFd, std::string>{};
            throw;
        }
    }();
    if (!parent.first) return false;
    return remove_at(parent.first.get(), parent.second, clean_path(path));
}

} // namespace mab::snapshotter
