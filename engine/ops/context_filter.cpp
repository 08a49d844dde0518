#include "engine/ops/context_filter.hpp"

#include <fcntl.h>

#include <cerrno>

#include "base/error.hpp"
#include "base/unique_fd.hpp"
#include "engine/ops/root_paths.hpp"
#include "snapshotter/dir_entries.hpp"

namespace mab::engine::ops {

ContextFilter::ContextFilter(const std::vector<std::string>& patterns) : m_patterns(patterns) {}

std::optional<ContextFilter::Dir> ContextFilter::enter(const Dir& parent, int parent_fd, const std::string& name,
                                                       const struct stat& st) const {
    Dir child;
    child.path = parent.path.empty() ? name : parent.path + "/" + name;
    if (!m_patterns.excluded(child.path, parent.info, child.info)) return child;
    if (!S_ISDIR(st.st_mode) || !m_patterns.may_reinclude_below(child.path)) return std::nullopt;
    UniqueFd fd(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) throw_errno("open", "/" + child.path);
    if (!keeps_any(fd.get(), child)) return std::nullopt;
    return child;
}

bool ContextFilter::keeps_any(int fd, const Dir& dir) const {
    for (const std::string& name : snapshotter::list_directory(fd, "/" + dir.path)) {
        struct stat st {};
        if (::fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno("lstat", "/" + dir.path + "/" + name);
        if (enter(dir, fd, name, st)) return true;
    }
    return false;
}

std::optional<ContextFilter::Dir> ContextFilter::find(const snapshotter::RootFs& tree, std::string_view path) const {
    Dir at = root();
    std::string parent = "/";
    for (const std::string& name : snapshotter::split_path(path)) {
        std::optional<UniqueFd> dir = open_dir(tree, parent);
        if (!dir) return std::nullopt;
        struct stat st {};
        if (::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
            throw_errno("lstat", join_path(parent, name));
        }
        std::optional<Dir> next = enter(at, dir->get(), name, st);
        if (!next) return std::nullopt;
        at = std::move(*next);
        parent = join_path(parent, name);
    }
    return at;
}

} // namespace mab::engine::ops
