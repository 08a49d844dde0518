#include "engine/ops/dir_times.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <vector>

#include "base/error.hpp"
#include "engine/ops/root_paths.hpp"

namespace mab::engine::ops {

void DirTimes::keep_existing(const std::string& path) {
    if (m_times.count(path)) return;
    std::optional<struct stat> st = m_root.lstat(path);
    if (st && S_ISDIR(st->st_mode)) m_times.emplace(path, st->st_mtim);
}

void DirTimes::set(const std::string& path, const timespec& mtime) { m_times[path] = mtime; }

void DirTimes::apply() const {
    for (const auto& [path, mtime] : m_times) {
        // Directories removed or replaced by later actions are simply skipped.
        std::optional<UniqueFd> dir = open_dir(m_root, path);
        if (!dir) continue;
        const timespec times[2] = {mtime, mtime};
        if (::futimens(dir->get(), times) != 0) throw_errno("utimensat", path);
    }
}

void mkdir_all_tracked(snapshotter::RootFs& root, const std::string& path, mode_t mode,
                       std::optional<snapshotter::Ownership> owner, int64_t created_mtime,
                       DirTimes& times) {
    const std::vector<std::string> components = snapshotter::split_path(path);
    // Existing prefixes (symlinks resolved inside the root) keep their mtimes.
    times.keep_existing("/");
    std::string prefix = "/";  // the longest existing prefix
    size_t missing = components.size();
    for (size_t i = 0; i < components.size(); ++i) {
        const std::string next = join_path(prefix, components[i]);
        std::optional<struct stat> st = root.stat(next);
        if (!st || !S_ISDIR(st->st_mode)) {
            missing = i;  // mkdir_all names a non-directory in its error
            break;
        }
        prefix = next;
        times.keep_existing(root.resolve(prefix));
    }
    if (missing == components.size()) return;
    root.mkdir_all(path, mode, owner, created_mtime);
    timespec created{};
    created.tv_sec = static_cast<time_t>(created_mtime);
    for (size_t i = missing; i < components.size(); ++i) {
        prefix = join_path(prefix, components[i]);
        times.set(root.resolve(prefix), created);
    }
}

} // namespace mab::engine::ops
